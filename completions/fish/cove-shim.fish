# fish completion for cove-shim(8): options, the ctl subcommand, container ids.

function __cove_shim_ids
    set -l tokens (commandline -opc)
    set -l root
    set -l i (contains -i -- --root $tokens)
    and set root --root $tokens[(math $i + 1)]
    cove $root list -q 2>/dev/null
end

# The words after `ctl`, options left out; -1 without ctl (so `test`
# always has a number).
function __cove_shim_ctl_nargs
    set -l tokens (commandline -opc)
    set -l i (contains -i -- ctl $tokens)
    or begin
        echo -1
        return 1
    end
    count $tokens[(math $i + 1)..-1]
end

complete -c cove-shim -f
complete -c cove-shim -l cove -r -F -d 'the runtime'
complete -c cove-shim -l root -x -a '(__fish_complete_directories)' -d 'state directory'
complete -c cove-shim -l restart -x -a 'no on-failure always unless-stopped' -d 'restart policy'
complete -c cove-shim -s p -l publish -x -d '[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]'
complete -c cove-shim -l proxy-protocol -d 'send a PROXY protocol v2 header'
complete -c cove-shim -l foreground -d 'do not detach'
complete -c cove-shim -l stop-timeout -x -d 'seconds before SIGKILL'
complete -c cove-shim -l log-path -r -F -d 'the container log'
complete -c cove-shim -l log-max-size -x -d 'rotate the log beyond this size'
complete -c cove-shim -l pid-file -r -F -d 'the shim pid'
complete -c cove-shim -l exit-file -r -F -d 'the last exit status'
complete -c cove-shim -l status-file -r -F -d 'the status JSON'
complete -c cove-shim -l restore-from -r -F -d 'restore from a migrate --export archive'
complete -c cove-shim -s h -l help -d 'print the options'
complete -c cove-shim -s v -l version -d 'print the version'
complete -c cove-shim -n 'not __fish_seen_subcommand_from ctl' -a ctl -d 'control a running shim'
complete -c cove-shim -n 'test (__cove_shim_ctl_nargs) -eq 0' -a '(__cove_shim_ids)' -d container
complete -c cove-shim -n 'test (__cove_shim_ctl_nargs) -eq 1' -a 'status stop restart migrate' -d request

# ctl ID migrate [--pre-dumps N] [--export FILE | --to BUNDLE]
function __cove_shim_migrating
    set -l tokens (commandline -opc)
    set -l i (contains -i -- ctl $tokens)
    or return 1
    set -l j (math $i + 2)
    test (count $tokens) -ge $j
    and test "$tokens[$j]" = migrate
end
complete -c cove-shim -n __cove_shim_migrating -l pre-dumps -x -d 'pre-dumps before the dump (0-8)'
complete -c cove-shim -n __cove_shim_migrating -l export -r -F -d 'into this archive, for another host'
complete -c cove-shim -n __cove_shim_migrating -l to -x -a '(__fish_complete_directories)' \
    -d 'restore from this bundle'
