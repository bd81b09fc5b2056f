// evrpc: fleet RPC over Kafka. `evrpc agent` runs on every node; `evrpc call`,
// `evrpc ping` and `evrpc nagios` act on the nodes a filter discovers;
// `evrpc keygen` makes a caller's key.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "core/cli.h"
#include "core/diag.h"
#include "core/exit_code.h"
#include "core/signals.h"
#include "core/stats.h"
#include "rpc/agent.h"
#include "rpc/client.h"
#include "rpc/envelope.h"

namespace {

// keygen: a new caller (or agent) key; the secret never leaves the file.
int keygen(const std::string& path, const std::string& comment, ev::Diagnostics& diag) {
    ev::rpc::KeyPair key = ev::rpc::generate_key();
    auto written = ev::rpc::write_key(path, key, comment);
    if (!written) {
        diag.error(written.error());
        return ev::exit_code::k_io;
    }
    std::string line = fmt::format("{} {}\n", ev::rpc::fingerprint(key.pub), path + ".pub");
    return ::write(1, line.data(), line.size()) == static_cast<ssize_t>(line.size()) ? ev::exit_code::k_ok
                                                                                     : ev::exit_code::k_io;
}

// seal: each stdin line (a body) as an envelope line signed by key_path.
int seal_lines(const std::string& key_path, ev::Diagnostics& diag) {
    auto key = ev::rpc::load_key(key_path);
    if (!key) {
        diag.error(key.error());
        return ev::exit_code::k_usage;
    }
    std::string line;
    std::string out;
    while (std::getline(std::cin, line)) {
        out = ev::rpc::seal(*key, line);
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), stdout);
    }
    return std::fflush(stdout) == 0 ? ev::exit_code::k_ok : ev::exit_code::k_io;
}

// verify: each stdin envelope line's body, with its signer's fingerprint
// first; a line that does not verify is reported and counted.
int verify_lines(ev::Diagnostics& diag) {
    std::string line;
    std::string out;
    uint64_t number = 0;
    uint64_t bad = 0;
    while (std::getline(std::cin, line)) {
        ++number;
        auto opened = ev::rpc::open_envelope(line);
        if (!opened) {
            diag.line_problem("-", number, opened.error());
            ++bad;
            continue;
        }
        out = opened->fingerprint;
        out += ' ';
        out += opened->body;
        out += '\n';
        std::fwrite(out.data(), 1, out.size(), stdout);
    }
    std::fflush(stdout);
    return bad == 0 ? ev::exit_code::k_ok : ev::exit_code::k_no_match;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Fleet RPC over Kafka: agents run declared actions for trusted callers; callers discover nodes "
        "by facts, call actions in batches and collate the replies.",
        "evrpc"};
    app.require_subcommand(1);
    ev::add_version_flag(app, "evrpc");

    ev::rpc::AgentOptions agent;
    CLI::App* agent_cmd = app.add_subcommand("agent", "Run the agent of this node (see evrpc(1), AGENT)");
    agent_cmd->add_option("--config", agent.config_path, "The agent's configuration file")
        ->type_name("FILE")
        ->required();
    agent_cmd
        ->add_option("--bench-identities", agent.bench_identities,
                     "Benchmark mode: host N identities that each verify, sign and answer rpcutil.ping")
        ->type_name("N");
    agent_cmd->add_flag("--check", agent.check, "Load the configuration, print the agent id and exit");
    ev::add_kafka_options(*agent_cmd, agent.kafka);
    ev::StatsOptions agent_stats;
    ev::add_stats_options(*agent_cmd, agent_stats);

    std::string key_path;
    std::string comment;
    CLI::App* keygen_cmd = app.add_subcommand("keygen", "Make a key pair: FILE (secret, mode 0600) and FILE.pub");
    keygen_cmd->add_option("FILE", key_path, "Where the secret key goes")->required();
    keygen_cmd
        ->add_option("--comment", comment, "Name written after the public key (default: FILE's name without .key)")
        ->type_name("NAME");

    std::string seal_key;
    CLI::App* seal_cmd = app.add_subcommand("seal", "Sign each stdin line (a request body) into an envelope line");
    seal_cmd->add_option("--key", seal_key, "The signer's secret key file")->type_name("FILE")->required();
    CLI::App* verify_cmd =
        app.add_subcommand("verify", "Verify each stdin envelope line; print FINGERPRINT BODY for the good ones");

    // client.h: call, ping and nagios.
    auto run_client = ev::rpc::add_client_commands(app);

    if (auto code = ev::parse_cli(app, argc, argv)) {
        return *code;
    }
    ev::signals::install();
    ev::Diagnostics diag("evrpc");
    if (agent_cmd->parsed()) {
        agent.stats_interval = agent_stats.interval;
        return ev::rpc::run_agent(agent, diag);
    }
    if (keygen_cmd->parsed()) {
        if (comment.empty()) {
            comment = key_path.substr(key_path.find_last_of('/') + 1);
            if (comment.size() > 4 && comment.compare(comment.size() - 4, 4, ".key") == 0) {
                comment.resize(comment.size() - 4);
            }
        }
        return keygen(key_path, comment, diag);
    }
    if (seal_cmd->parsed()) {
        return seal_lines(seal_key, diag);
    }
    if (verify_cmd->parsed()) {
        return verify_lines(diag);
    }
    // client.h
    if (auto code = run_client()) {
        return *code;
    }
    diag.error("no subcommand given (see evrpc --help)");
    return ev::exit_code::k_usage;
}
