# fish completion for cove: commands and container ids.
set -l cmds create start run state kill delete list spec features
complete -c cove -f
complete -c cove -n "not __fish_seen_subcommand_from $cmds" -a "$cmds"
complete -c cove -n "not __fish_seen_subcommand_from $cmds" -l root -r -d 'state directory'
complete -c cove -n "not __fish_seen_subcommand_from $cmds" -l log -r -d 'log file'
complete -c cove -n "not __fish_seen_subcommand_from $cmds" -l log-format -xa 'text json'
complete -c cove -n "__fish_seen_subcommand_from start state kill delete" -a '(cove list -q 2>/dev/null)'
complete -c cove -n "__fish_seen_subcommand_from create run spec" -s b -l bundle -r -d 'bundle directory'
complete -c cove -n "__fish_seen_subcommand_from delete" -s f -l force
complete -c cove -n "__fish_seen_subcommand_from run" -s d -l detach
complete -c cove -n "__fish_seen_subcommand_from list" -s q -l quiet
