# fish completion for evsrc-nagios(1)
set -l modes run once parse perfdata check
complete -c evsrc-nagios -f -n "not __fish_seen_subcommand_from $modes" -a run -d 'Run the checks of CONFIG on their schedule'
complete -c evsrc-nagios -f -n "not __fish_seen_subcommand_from $modes" -a once -d 'Run one plugin once'
complete -c evsrc-nagios -f -n "not __fish_seen_subcommand_from $modes" -a parse -d 'Read plugin output on stdin'
complete -c evsrc-nagios -f -n "not __fish_seen_subcommand_from $modes" -a perfdata -d 'Read Nagios/Icinga perfdata files'
complete -c evsrc-nagios -f -n "not __fish_seen_subcommand_from $modes" -a check -d 'Check CONFIG: parse, resolve macros and plugins'
complete -c evsrc-nagios -n "not __fish_seen_subcommand_from $modes" -l version -d 'Show version'
complete -c evsrc-nagios -l help -d 'Show help'
# run, once, parse
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse' -l subject -x -d 'Subject of the events'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse' -l tag -x -d 'Add tag KEY=VALUE'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l no-metrics -d 'Write status events only'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse' -l max-output -x -d 'Bytes of output kept'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse' -l timeout-state -x -a 'ok warning critical unknown' -d 'State of a timed-out run'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once' -l timeout -x -d 'Time limit of a run'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once' -l kill-grace -x -d 'From SIGTERM to SIGKILL'
# run
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run' -l max-concurrent -x -d 'Plugins running at once at most'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run' -l heartbeat -x -d 'Interval of the scheduler status'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run' -l no-splay -d 'Run every check at start'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run perfdata' -l run-for -x -d 'Stop after DURATION'
# run, once, check: plugins
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once check' -l plugin-dir -x -a '(__fish_complete_directories)' -d 'Where bare plugin names are found first'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once check' -l resource -r -F -d 'Nagios resource file ($USERn$ macros)'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from once' -l exit-state -d "Exit with the state's code (0-3)"
# once, parse
complete -c evsrc-nagios -n '__fish_seen_subcommand_from once parse' -l name -x -d 'Check name'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from once parse' -l ttl -x -d 'ttl of the status event'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from once' -l interval -x -d 'How often cron runs it'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from parse' -l exit-code -x -d 'The plugin exit code'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from parse' -l time -x -d 'Event time, epoch seconds'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from parse' -l duration -x -d 'data.duration in seconds'
# perfdata
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -s f -l follow -d 'Keep reading, survive rotation'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -l from-end -d 'With --follow, skip existing data'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -l poll-interval -x -d 'How often to look for new data'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -l max-line -x -d 'Longest accepted line in bytes'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -l rejects -r -F -d 'Append bad lines verbatim to FILE'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from perfdata' -l strict -d 'Stop with exit 3 at the first bad line'
# run, once, parse, perfdata: Kafka output
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l to -x -a 'kafka:' -d 'Write events to a Kafka topic instead of stdout'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l key -x -d 'Key Kafka messages by these fields (FIELD,...)'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l brokers -x -d 'Kafka bootstrap brokers (default $EVKIT_BROKERS)'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l kafka -x -d 'A librdkafka property PROP=VALUE (repeatable)'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l kafka-config -r -F -d 'A file of librdkafka PROP=VALUE lines'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run once parse perfdata' -l kafka-dump -d 'Print the librdkafka configuration and exit'
complete -c evsrc-nagios -l self-to -r -F -d "Append the tool's own status events to FILE"
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run' -l stats-interval -x -d 'Write the counters as metric events every DURATION and at exit'
complete -c evsrc-nagios -n '__fish_seen_subcommand_from run' -l self-subject -x -d "Subject of the tool's own status and metric events"
