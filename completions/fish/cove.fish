# fish completion for cove(8): commands, options and their values, container
# ids (from `cove list -q`, under the --root given on the line) and signals.

set -l cove_commands create start run exec state kill delete list pause resume ps update events checkpoint restore spec features

function __cove_ids
    set -l tokens (commandline -opc)
    set -l root
    set -l i (contains -i -- --root $tokens)
    and set root --root $tokens[(math $i + 1)]
    cove $root list -q 2>/dev/null
end

function __cove_signals
    for s in (string split ' ' -- (kill -l 2>/dev/null | string join ' '))
        test -n "$s"; and echo $s; and echo SIG$s
    end
end

# The command's words after the command name, options left out (and, before
# the command, the values of the global options that take one).
function __cove_args
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l seen 0
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
        else if test $seen = 1
            string match -q -- '-*' $t; or echo $t
        else if contains -- $t --root --log --log-format --rootless
            set skip 1
        else if not string match -q -- '-*' $t
            set seen 1
        end
    end
end

function __cove_nargs
    count (__cove_args)
end

set -l caps ALL AUDIT_CONTROL AUDIT_READ AUDIT_WRITE BLOCK_SUSPEND BPF CHECKPOINT_RESTORE CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID IPC_LOCK IPC_OWNER KILL LEASE LINUX_IMMUTABLE MAC_ADMIN MAC_OVERRIDE MKNOD NET_ADMIN NET_BIND_SERVICE NET_BROADCAST NET_RAW PERFMON SETFCAP SETGID SETPCAP SETUID SYSLOG SYS_ADMIN SYS_BOOT SYS_CHROOT SYS_MODULE SYS_NICE SYS_PACCT SYS_PTRACE SYS_RAWIO SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG WAKE_ALARM

complete -c cove -f

# Global options and the commands.
set -l nocmd "not __fish_seen_subcommand_from $cove_commands"
complete -c cove -n $nocmd -l root -r -F -d 'state directory'
complete -c cove -n $nocmd -l log -r -F -d 'also log to this file'
complete -c cove -n $nocmd -l log-format -x -a 'text json' -d 'log format'
complete -c cove -n $nocmd -l debug -d 'log debug messages'
complete -c cove -n $nocmd -l systemd-cgroup -d 'cgroupsPath is slice:prefix:name'
complete -c cove -n $nocmd -l rootless -x -a 'true false auto' -d 'rootless mode'
complete -c cove -n $nocmd -s v -l version -d 'print the version'
complete -c cove -n $nocmd -s h -l help -d 'print the help'
complete -c cove -n $nocmd -a create -d 'create a container from a bundle'
complete -c cove -n $nocmd -a start -d 'run the process of a created container'
complete -c cove -n $nocmd -a run -d 'create and start a container'
complete -c cove -n $nocmd -a exec -d 'run a process in a running container'
complete -c cove -n $nocmd -a state -d 'print the state of a container'
complete -c cove -n $nocmd -a kill -d 'send a signal to a container'
complete -c cove -n $nocmd -a delete -d 'delete a container'
complete -c cove -n $nocmd -a list -d 'list containers'
complete -c cove -n $nocmd -a pause -d 'freeze a container'
complete -c cove -n $nocmd -a resume -d 'thaw a paused container'
complete -c cove -n $nocmd -a ps -d 'list the processes of a container'
complete -c cove -n $nocmd -a update -d 'change the resource limits of a container'
complete -c cove -n $nocmd -a events -d 'print statistics and OOM events'
complete -c cove -n $nocmd -a checkpoint -d 'dump a running container with CRIU'
complete -c cove -n $nocmd -a restore -d 'restore a container from a checkpoint'
complete -c cove -n $nocmd -a spec -d 'write or check a bundle config'
complete -c cove -n $nocmd -a features -d 'print what this runtime supports'

# Every command takes --help.
complete -c cove -n "__fish_seen_subcommand_from $cove_commands" -s h -l help -d 'print the options'

# Container ids, as the first argument.
complete -c cove -n "__fish_seen_subcommand_from start state kill delete pause resume ps exec update events checkpoint; and test (__cove_nargs) -eq 0" -a '(__cove_ids)' -d container
complete -c cove -n "__fish_seen_subcommand_from kill; and test (__cove_nargs) -eq 1" -a '(__cove_signals)' -d signal

# create and run
set -l cr "__fish_seen_subcommand_from create run"
complete -c cove -n $cr -s b -l bundle -x -a '(__fish_complete_directories)' -d 'bundle directory'
complete -c cove -n $cr -l console-socket -r -F -d 'send the terminal master to this socket'
complete -c cove -n $cr -l pid-file -r -F -d 'write the pid to this file'
complete -c cove -n $cr -l no-pivot -d 'chroot instead of pivot_root'
complete -c cove -n $cr -l no-new-keyring -d 'keep the session keyring'
complete -c cove -n $cr -l preserve-fds -x -d 'pass this many more fds'
complete -c cove -n "__fish_seen_subcommand_from run" -s d -l detach -d 'do not wait for the container'
complete -c cove -n "__fish_seen_subcommand_from run" -l keep -d 'do not delete the container when it exits'
complete -c cove -n "__fish_seen_subcommand_from run" -l no-subreaper -d 'ignored'

complete -c cove -n "__fish_seen_subcommand_from kill" -s a -l all -d 'signal every process'
complete -c cove -n "__fish_seen_subcommand_from delete" -s f -l force -d 'kill first if running'
complete -c cove -n "__fish_seen_subcommand_from list" -s q -l quiet -d 'only the ids'
complete -c cove -n "__fish_seen_subcommand_from list ps" -s f -l format -x -a 'table json' -d 'output format'
complete -c cove -n "__fish_seen_subcommand_from events" -l stats -d 'print the statistics once'
complete -c cove -n "__fish_seen_subcommand_from events" -l interval -x -d 'time between statistics'

# checkpoint and restore
set -l ck "__fish_seen_subcommand_from checkpoint"
set -l rs "__fish_seen_subcommand_from restore"
set -l cr2 "__fish_seen_subcommand_from checkpoint restore"
complete -c cove -n $cr2 -l image-path -x -a '(__fish_complete_directories)' -d 'the images'
complete -c cove -n $cr2 -l work-path -x -a '(__fish_complete_directories)' -d 'criu log and work files'
complete -c cove -n $cr2 -l tcp-established -d 'established TCP connections'
complete -c cove -n $cr2 -l ext-unix-sk -d 'allow external unix sockets'
complete -c cove -n $cr2 -l shell-job -d 'allow a session outside'
complete -c cove -n $cr2 -l file-locks -d 'file locks'
complete -c cove -n $cr2 -l manage-cgroups-mode -x -a 'soft full strict ignore' -d 'cgroup mode'
complete -c cove -n $ck -l parent-path -x -a '(__fish_complete_directories)' -d 'a previous pre-dump'
complete -c cove -n $ck -l leave-running -d 'keep the container running'
complete -c cove -n $ck -l pre-dump -d 'dump the memory only'
complete -c cove -n $ck -l empty-ns -x -a network -d 'do not dump this namespace'
complete -c cove -n $ck -l auto-dedup -d 'free the parent pages replaced'
complete -c cove -n $ck -l page-server -x -d 'ADDRESS:PORT of a page server'
complete -c cove -n $ck -l status-fd -x -d 'fd told when the dump is done'
complete -c cove -n $ck -l export -r -F -d 'pack a migration archive'
complete -c cove -n $rs -s b -l bundle -x -a '(__fish_complete_directories)' -d 'bundle directory'
complete -c cove -n $rs -s d -l detach -d 'do not wait'
complete -c cove -n $rs -l pid-file -r -F -d 'write the pid to this file'
complete -c cove -n $rs -l console-socket -r -F -d 'send the terminal master to this socket'
complete -c cove -n $rs -l no-pivot -d 'accepted for runc compatibility'
complete -c cove -n $rs -l no-subreaper -d 'ignored'
complete -c cove -n $rs -l lsm-profile -x -d 'apparmor:NAME or selinux:LABEL'
complete -c cove -n $rs -l lsm-mount-context -x -d 'SELinux mount context'
complete -c cove -n $rs -l import -r -F -d 'unpack a migration archive first'

# exec
set -l ex "__fish_seen_subcommand_from exec"
complete -c cove -n $ex -s p -l process -r -F -d 'the process as JSON'
complete -c cove -n $ex -s d -l detach -d 'do not wait'
complete -c cove -n $ex -s t -l tty -d 'allocate a terminal'
complete -c cove -n $ex -l console-socket -r -F -d 'send the terminal master to this socket'
complete -c cove -n $ex -l pid-file -r -F -d 'write the pid to this file'
complete -c cove -n $ex -s e -l env -x -d 'set a variable NAME=VALUE'
complete -c cove -n $ex -l cwd -x -d 'working directory'
complete -c cove -n $ex -s u -l user -x -d 'uid[:gid]'
complete -c cove -n $ex -s g -l additional-gids -x -d 'supplementary group'
complete -c cove -n $ex -s c -l cap -x -a "$caps" -d 'add a capability'
complete -c cove -n $ex -l no-new-privs -d 'set no_new_privs'
complete -c cove -n $ex -l apparmor -x -d 'AppArmor profile'
complete -c cove -n $ex -l process-label -x -d 'SELinux label'
complete -c cove -n $ex -l preserve-fds -x -d 'pass this many more fds'
complete -c cove -n $ex -l ignore-paused -d 'exec into a paused container'
complete -c cove -n $ex -l cgroup -x -d 'sub-cgroup (not supported)'

# update
set -l up "__fish_seen_subcommand_from update"
complete -c cove -n $up -s r -l resources -r -F -d 'linux.resources JSON, - for stdin'
complete -c cove -n $up -l blkio-weight -x -d 'block I/O weight'
complete -c cove -n $up -l cpu-period -x -d 'CFS period (us)'
complete -c cove -n $up -l cpu-quota -x -d 'CFS quota (us)'
complete -c cove -n $up -l cpu-burst -x -d 'CFS burst (us)'
complete -c cove -n $up -l cpu-rt-period -x -d 'realtime period (us)'
complete -c cove -n $up -l cpu-rt-runtime -x -d 'realtime runtime (us)'
complete -c cove -n $up -l cpu-share -x -d 'CPU shares'
complete -c cove -n $up -l cpuset-cpus -x -d 'CPUs'
complete -c cove -n $up -l cpuset-mems -x -d 'memory nodes'
complete -c cove -n $up -l memory -x -d 'memory limit'
complete -c cove -n $up -l memory-reservation -x -d 'memory soft limit'
complete -c cove -n $up -l memory-swap -x -d 'memory plus swap limit'
complete -c cove -n $up -l pids-limit -x -d 'process limit'
complete -c cove -n $up -l l3-cache-schema -x -d 'Intel RDT (not supported)'
complete -c cove -n $up -l mem-bw-schema -x -d 'Intel RDT (not supported)'

# spec
set -l sp "__fish_seen_subcommand_from spec"
complete -c cove -n $sp -s b -l bundle -x -a '(__fish_complete_directories)' -d 'bundle directory'
complete -c cove -n $sp -l rootless -d 'map the caller to root in a user namespace'
complete -c cove -n $sp -l validate -d 'check the bundle, print every problem'
complete -c cove -n $sp -l args -x -d 'the command'
complete -c cove -n $sp -s e -l env -x -d 'set a variable NAME[=VALUE]'
complete -c cove -n $sp -s w -l cwd -x -d 'working directory'
complete -c cove -n $sp -s u -l user -x -d 'user[:group]'
complete -c cove -n $sp -l hostname -x -d 'host name'
complete -c cove -n $sp -l cap-add -x -a "$caps" -d 'add a capability'
complete -c cove -n $sp -l cap-drop -x -a "$caps" -d 'drop a capability'
complete -c cove -n $sp -l device -r -F -d 'HOST[:CONTAINER[:rwm]]'
complete -c cove -n $sp -s v -l volume -r -F -d 'bind HOST:CONTAINER[:ro]'
complete -c cove -n $sp -l mount -r -F -d 'bind HOST:CONTAINER[:ro] or type=bind,...'
complete -c cove -n $sp -l tmpfs -x -d 'PATH[:OPTS]'
complete -c cove -n $sp -l read-only -d 'read-only rootfs'
complete -c cove -n $sp -s m -l memory -x -d 'memory limit'
complete -c cove -n $sp -l pids-limit -x -d 'process limit'
complete -c cove -n $sp -l cpus -x -d 'CPU quota in CPUs'
complete -c cove -n $sp -l network -x -a 'none host' -d 'network'
complete -c cove -n $sp -l add-host -x -d 'NAME:IP for /etc/hosts'
complete -c cove -n $sp -l dns -x -d 'nameserver'
complete -c cove -n $sp -l dns-search -x -d 'search domain'
complete -c cove -n $sp -s t -l tty -d 'allocate a terminal'
complete -c cove -n $sp -l seccomp -r -F -a 'default unconfined' -d 'seccomp profile'
