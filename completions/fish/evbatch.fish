# fish completion for evbatch(1)
set -l modes group each
complete -c evbatch -f -n "not __fish_seen_subcommand_from $modes" -a group -d 'One notification per group of events'
complete -c evbatch -f -n "not __fish_seen_subcommand_from $modes" -a each -d 'Run a command once per event'
complete -c evbatch -n "not __fish_seen_subcommand_from $modes" -l version -d 'Show version'
complete -c evbatch -l help -d 'Show help'
# group
complete -c evbatch -n '__fish_seen_subcommand_from group' -l by -x -d 'Group key: fields or an expression'
complete -c evbatch -n '__fish_seen_subcommand_from group' -l wait -x -d 'Wait before a new group notifies'
complete -c evbatch -n '__fish_seen_subcommand_from group' -l interval -x -d 'Wait between change notifications'
complete -c evbatch -n '__fish_seen_subcommand_from group' -l repeat -x -d 'Re-notify an unchanged firing group after'
complete -c evbatch -n '__fish_seen_subcommand_from group' -l no-resolve -d 'Send no resolve notification'
complete -c evbatch -n '__fish_seen_subcommand_from group' -l clock -x -a 'wall event' -d 'What drives the timers'
# each
complete -c evbatch -n '__fish_seen_subcommand_from each' -s c -l concurrency -x -d 'Never more than N actions at once'
complete -c evbatch -n '__fish_seen_subcommand_from each' -l batch -x -d 'Run actions in batches of M'
complete -c evbatch -n '__fish_seen_subcommand_from each' -l batch-sleep -x -d 'Pause between batches'
complete -c evbatch -n '__fish_seen_subcommand_from each' -l rate -x -d 'At most N starts per DURATION (N/DURATION)'
complete -c evbatch -n '__fish_seen_subcommand_from each' -l max-fail -x -d 'Stop after more than N or P% failed'
complete -c evbatch -n '__fish_seen_subcommand_from each' -s n -l dry-run -d 'Print each argv, run nothing'
complete -c evbatch -n '__fish_seen_subcommand_from each' -l progress -x -a 'auto always never' -d 'Progress line on stderr'
# both
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l name -x -d 'Action name in result events'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l timeout -x -d 'Kill a run after DURATION'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l kill-after -x -d 'Time between TERM and KILL'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l output-limit -x -d 'Bytes of output kept in data.output'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l rejects -r -F -d 'Append bad input lines to FILE'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l strict -d 'Stop at the first bad input line'
complete -c evbatch -n "__fish_seen_subcommand_from $modes" -l max-line -x -d 'Longest accepted line in bytes'
