#include "status/cli.h"

#include "core/cli.h"

namespace ev::status {

void add_filter_options(CLI::App& app, Options& options) {
    app.add_option("FILE", options.input.files, "Input files ('-' is stdin; default stdin)");
    ev::add_clock_option(app, options.clock, "What drives expiry: wall (default) or event (the events' time)");
    app.add_option("--alert-on", options.alert_on, "all (default): transitions and non-OK results; transitions")
        ->type_name("all|transitions");
    app.add_option("--initial", options.initial, "State of an identity never seen (default ok)")->type_name("STATE");
    app.add_option("--confirm", options.confirm, "Non-OK results in a row before a state is hard (default 1)")
        ->type_name("N");
    app.add_option("--ttl", options.ttl, "Expire identities whose statuses carry no ttl after DURATION")
        ->type_name("DURATION");
    app.add_option("--expire-state", options.expire_state, "State an expired identity takes (default critical)")
        ->type_name("STATE");
    app.add_option("--flap-high", options.flap_high, "Percent state change that starts flapping (default 30)")
        ->type_name("PCT");
    app.add_option("--flap-low", options.flap_low, "Percent state change that ends flapping (default 20)")
        ->type_name("PCT");
    app.add_flag("--no-flap", options.no_flap, "No flap detection (as Nagios's flap_detection_enabled 0)");
    app.add_flag("--alerts-only", options.alerts_only, "Write only the alerts, not the input events");
    app.add_option("--state", options.state_path, "Load the states from FILE at start, save them there")
        ->type_name("FILE");
    app.add_option("--save-interval", options.save_interval, "Save the state file this often (default 60s)")
        ->type_name("DURATION");
    app.add_option("--forget-after", options.forget_after, "Drop identities not seen for DURATION (after expiry)")
        ->type_name("DURATION");
    app.add_flag("--stats", options.stats, "Print counters and memory per identity on stderr at exit");
    add_stats_options(app, options.stats_events);
}

}  // namespace ev::status
