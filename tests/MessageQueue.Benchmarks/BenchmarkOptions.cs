using System.Globalization;
using System.Net;

namespace MessageQueue.Benchmarks;

/// <summary>What to run and for how long, from the command line.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Usage: dotnet tests/MessageQueue.Benchmarks/bin/Release/net10.0/MessageQueue.Benchmarks.dll [options]
          --quick                a short smoke run (about 90 s, 30 s of it legacy): 1 s per measurement, list and
                                 REST list with 1 and 16 clients, updates and REST updates with 16, fan-out to 1
                                 and 100 subscribers, fewer fan-out and delivery updates, 200 hub connections
          --duration <seconds>   length of each measured window of the request scenarios (default 5, quick 1)
          --warmup <seconds>     unmeasured load before each measured window (default 2, quick 0.3)
          --settle <seconds>     longest load on a freshly started server before it is measured, which otherwise
                                 lasts until the server's JIT is quiet (default 25, quick 2)
          --updates <count>      measured updates per fan-out scenario, per door of rest-latency and per server of
                                 hub (default 300, quick 60)
          --guard-rounds <n>     windows per client count of the list group on the gateway with its ZMTP guard on and
                                 off, in turns (default 3); more rounds steady the guard's cost on a busy machine
          --store-rounds <n>     windows per load of the store group on each store, in turns (default 3, quick 1); the
                                 median window is reported, every round's ratio shown
          --cluster-rounds <n>   windows per load of the cluster group on each cluster, in turns (default 1); the
                                 median window is reported
          --hub-connections <n>  SignalR connections on one subject in the hub group and in the cluster group's
                                 fan-out (default 1000, quick 200)
          --hub-gc <modes>       the hub group's GC modes for both servers: server, workstation or both (default)
          --hub-client <kind>    the hub group's clients: lean (default; raw WebSockets reading only the marker) or
                                 dotnet (Microsoft.AspNetCore.SignalR.Client HubConnections, for comparison)
          --inline-completions   set DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 for the servers and this generator
          --only <groups>        run only these scenario groups, comma separated (targets of the others are not
                                 measured): list, update, fanout (legacy ZeroMQ); rest-list, rest-update (REST against
                                 a minimal ASP.NET Core app); flatness (20,000 updates of 1 KiB to one subject:
                                 CPU and p99 of the last 1,000 against the first 1,000); rest-latency (REST and legacy updates to SUB and SSE);
                                 email (update replies with 0 against 10,000 addresses, mails/s to a local SMTP sink
                                 against a MailKit loop; quick: 1,000 addresses); hub (legacy updates to 1,000
                                 SignalR connections against a minimal SignalR server, server and workstation GC);
                                 soak (not in the default run: mixed traffic on every door of one gateway for
                                 --soak-seconds, its RSS, GC heap, threads and descriptors sampled for flatness)
                                 attack (not in the default run: one gateway with a lowered open-files limit under the
                                 soak's traffic, hit by six attacks in turn: idle connections to the
                                 REQ port, to the PUB port, slow HTTP headers, an unfinished multipart message, a SUB
                                 socket that never reads, refused hub calls; its RSS, descriptors and log volume, and
                                 the load its legitimate clients kept)
                                 store (not in the default run; needs PostgreSQL installed: one gateway on SQLite
                                 against one on a PostgreSQL server it starts itself, in turns: durable updates with 1
                                 and 16 legacy clients and 16 REST clients, update to 1 SUB, CPU per update of the
                                 gateway and of PostgreSQL's processes; about 2 minutes with --duration 3)
                                 cluster (not in the default run; needs PostgreSQL and redis-server installed: 1, 2
                                 and 3 gateway instances on one PostgreSQL and one Redis, all running, measured in
                                 turns; updates posted on the first instance and read on the last through SUB, event
                                 stream and hub: durable updates/s with 16 legacy and 16 REST clients, latency of one
                                 update at a time, then --hub-connections hub connections on one instance against
                                 the same spread over 3; CPU by instance and thread, Redis's and PostgreSQL's CPU and
                                 traffic per update; the single instance is the baseline; about 3 minutes, 4.5 with
                                 --cluster-rounds 3)
                                 email-busy (not in the default run, about 3 minutes: 100 updates/s for 60 s to a
                                 subject with 1,000 confirmed addresses in immediate mode, Email:MinIntervalSeconds 60:
                                 mails sent against one per update and address, and the store's growth)
                                 ingest (not in the default run; needs Pushpin, installed with apt-get when missing:
                                 durable updates/s and CPU per update through a pull ingest source fed by one PUSH
                                 publisher against 16 REST clients on the same gateway, then both at once; then
                                 latency from a PUSH publisher to --hub-connections WebSocket clients on the gateway
                                 against Pushpin's PUSH input, with CPU per delivery by gateway thread and Pushpin
                                 process; about 3 minutes, 1.5 with --quick)
          --soak-seconds <s>     length of the soak group (default 180)
          --attack-seconds <s>   length of each attack (default 15); each also has a 3 s start, a window before of
                                 half as long (at least 5 s) and 5 s after
          --attack-nofile <n>    the gateway's open-files limit in the attack group, soft and hard (default 4096)
          --attack-connections <n>  connections each connection attack opens (default: the open-files limit)
          --attack-source <ip>   the loopback address the connection attacks come from (default 127.0.0.1, like
                                 the legitimate clients; 127.0.0.2 makes the attacker another client address to
                                 per-address limits)
          --attack-max-rss <MB>  an attack that takes the gateway above this resident size is stopped there, to spare
                                 the machine (default 2048)
          --gateway-env <KEY=VALUE>  an extra environment variable for the gateway only, to try a setting
                                 (for example Store__MaxBatchSize=64); may be repeated
          --gateway-dll <path>   run another build of the gateway (an A/B comparison of a change)
          --python               add a pyzmq REP server (like the original Python server) as an extra column
          --help                 show this text
        Exit code: 0 when every target passes, 1 when one fails, 2 on bad arguments, 3 when a run failed.
        """;

    public bool Quick { get; init; }
    public TimeSpan Measure { get; init; } = TimeSpan.FromSeconds(5);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan SettleMinimum { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan SettleMaximum { get; init; } = TimeSpan.FromSeconds(25);
    public int FanoutUpdates { get; init; } = 300;
    public int FanoutWarmupUpdates { get; init; } = 50;
    public int EmailAddresses { get; init; } = 10_000;
    public int HubConnections { get; init; } = 1_000;
    public int GuardRounds { get; init; } = 3;
    public int StoreRounds { get; init; } = 3;
    public int ClusterRounds { get; init; } = 1;

    /// <summary>The hub group's GC modes (DOTNET_gcServer of both servers): true is the server GC.</summary>
    public IReadOnlyList<bool> HubServerGc { get; init; } = [true, false];

    public HubClientKind HubClient { get; init; } = HubClientKind.Lean;
    public bool InlineCompletions { get; init; }
    public bool IncludePython { get; init; }
    public bool ShowHelp { get; init; }
    public IReadOnlySet<string> Groups { get; init; } = DefaultGroups;
    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromSeconds(180);
    public TimeSpan AttackDuration { get; init; } = TimeSpan.FromSeconds(15);
    public int AttackOpenFiles { get; init; } = 4096;

    /// <summary>Null: as many as the gateway's open-files limit, enough to use up its descriptors.</summary>
    public int? AttackConnections { get; init; }

    public long AttackMaxRssBytes { get; init; } = 2048L * 1024 * 1024;
    public IPAddress AttackSource { get; init; } = IPAddress.Loopback;
    public IReadOnlyDictionary<string, string> GatewayEnvironment { get; init; } = new Dictionary<string, string>();
    public string GatewayDll { get; init; } = BenchmarkPaths.GatewayDll;

    /// <summary>
    /// What a run without --only measures: every group but the soak and the attacks, which are minutes of one scenario,
    /// the store and cluster groups, which need a PostgreSQL installation (and Redis), and the ingest group, which needs Pushpin.
    /// </summary>
    public static IReadOnlySet<string> DefaultGroups { get; } =
        new HashSet<string>(["list", "update", "fanout", "flatness", "rest-list", "rest-update", "rest-latency", "email", "hub"], StringComparer.Ordinal);

    public static IReadOnlySet<string> AllGroups { get; } = new HashSet<string>(DefaultGroups.Append("soak").Append("attack").Append("store").Append("cluster").Append("ingest").Append("email-busy"), StringComparer.Ordinal);

    public IReadOnlyList<int> ClientCounts { get; init; } = [1, 4, 16];
    public IReadOnlyList<int> RestClientCounts { get; init; } = [1, 16];

    /// <summary>Each level of the update scenario needs freshly started servers, so a quick run measures fewer.</summary>
    public IReadOnlyList<int> UpdateClientCounts { get; init; } = [1, 4, 16];
    public IReadOnlyList<int> RestUpdateClientCounts { get; init; } = [1, 16];
    public IReadOnlyList<int> SubscriberCounts { get; init; } = [1, 10, 100];

    public static bool TryParse(string[] args, out BenchmarkOptions options, out string? problem)
    {
        var quick = args.Contains("--quick");
        options = quick
            ? new BenchmarkOptions
            {
                Quick = true,
                Measure = TimeSpan.FromSeconds(1),
                Warmup = TimeSpan.FromSeconds(0.3),
                SettleMinimum = TimeSpan.FromSeconds(1),
                SettleMaximum = TimeSpan.FromSeconds(2),
                FanoutUpdates = 60,
                FanoutWarmupUpdates = 10,
                ClientCounts = [1, 16],
                UpdateClientCounts = [16],
                RestUpdateClientCounts = [16],
                SubscriberCounts = [1, 100],
                EmailAddresses = 1_000,
                HubConnections = 200,
                StoreRounds = 1,
            }
            : new BenchmarkOptions();
        problem = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "--quick":
                    break;
                case "--inline-completions":
                    options = options with { InlineCompletions = true };
                    break;
                case "--python":
                    options = options with { IncludePython = true };
                    break;
                case "--help" or "-h":
                    options = options with { ShowHelp = true };
                    break;
                case "--only":
                    var groups = ++i < args.Length ? args[i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
                    if (groups.Length == 0 || !groups.All(AllGroups.Contains))
                    {
                        problem = $"--only takes a comma-separated list of {string.Join(", ", AllGroups)}.";
                        return false;
                    }
                    options = options with { Groups = groups.ToHashSet(StringComparer.Ordinal) };
                    break;
                case "--gateway-env":
                    var setting = ++i < args.Length ? args[i].Split('=', 2) : [];
                    if (setting is not [{ Length: > 0 } key, var text])
                    {
                        problem = "--gateway-env takes KEY=VALUE.";
                        return false;
                    }
                    options = options with { GatewayEnvironment = new Dictionary<string, string>(options.GatewayEnvironment) { [key] = text } };
                    break;
                case "--gateway-dll":
                    if (++i >= args.Length || !File.Exists(args[i]))
                    {
                        problem = "--gateway-dll takes the path of an existing MessageQueue.Gateway.dll.";
                        return false;
                    }
                    options = options with { GatewayDll = Path.GetFullPath(args[i]) };
                    break;
                case "--guard-rounds" or "--store-rounds" or "--cluster-rounds":
                    if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var rounds) || rounds < 1)
                    {
                        problem = $"{name} needs a positive whole number.";
                        return false;
                    }
                    options = name switch
                    {
                        "--guard-rounds" => options with { GuardRounds = rounds },
                        "--store-rounds" => options with { StoreRounds = rounds },
                        _ => options with { ClusterRounds = rounds },
                    };
                    break;
                case "--hub-connections":
                    if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var connections) || connections < 1)
                    {
                        problem = "--hub-connections needs a positive whole number.";
                        return false;
                    }
                    options = options with { HubConnections = connections };
                    break;
                case "--hub-gc":
                    IReadOnlyList<bool>? modes = ++i < args.Length ? args[i] switch
                    {
                        "server" => [true],
                        "workstation" => [false],
                        "both" => [true, false],
                        _ => null,
                    } : null;
                    if (modes is null)
                    {
                        problem = "--hub-gc takes server, workstation or both.";
                        return false;
                    }
                    options = options with { HubServerGc = modes };
                    break;
                case "--hub-client":
                    HubClientKind? client = ++i < args.Length ? args[i] switch
                    {
                        "lean" => HubClientKind.Lean,
                        "dotnet" => HubClientKind.Dotnet,
                        _ => null,
                    } : null;
                    if (client is not { } kind)
                    {
                        problem = "--hub-client takes lean or dotnet.";
                        return false;
                    }
                    options = options with { HubClient = kind };
                    break;
                case "--soak-seconds":
                    if (++i >= args.Length || !TryPositive(args[i], out var soak))
                    {
                        problem = "--soak-seconds needs a positive number.";
                        return false;
                    }
                    options = options with { SoakDuration = TimeSpan.FromSeconds(soak) };
                    break;
                case "--attack-seconds":
                    if (++i >= args.Length || !TryPositive(args[i], out var attack))
                    {
                        problem = "--attack-seconds needs a positive number.";
                        return false;
                    }
                    options = options with { AttackDuration = TimeSpan.FromSeconds(attack) };
                    break;
                case "--attack-source":
                    if (++i >= args.Length || !IPAddress.TryParse(args[i], out var source) || !IPAddress.IsLoopback(source))
                    {
                        problem = "--attack-source takes a loopback address such as 127.0.0.2.";
                        return false;
                    }
                    options = options with { AttackSource = source };
                    break;
                case "--attack-nofile" or "--attack-connections" or "--attack-max-rss":
                    if (++i >= args.Length || !int.TryParse(args[i], NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 64)
                    {
                        problem = $"{name} needs a whole number of at least 64.";
                        return false;
                    }
                    options = name switch
                    {
                        "--attack-nofile" => options with { AttackOpenFiles = count },
                        "--attack-connections" => options with { AttackConnections = count },
                        _ => options with { AttackMaxRssBytes = count * 1024L * 1024 },
                    };
                    break;
                case "--duration" or "--warmup" or "--settle" or "--updates":
                    if (++i >= args.Length || !TryPositive(args[i], out var value))
                    {
                        problem = $"{name} needs a positive number.";
                        return false;
                    }
                    options = name switch
                    {
                        "--duration" => options with { Measure = TimeSpan.FromSeconds(value) },
                        "--warmup" => options with { Warmup = TimeSpan.FromSeconds(value) },
                        "--settle" => options with { SettleMaximum = TimeSpan.FromSeconds(value) },
                        _ => options with { FanoutUpdates = Math.Max(10, (int)value) },
                    };
                    break;
                default:
                    problem = $"Unknown option '{name}'.";
                    return false;
            }
        }
        return true;
    }

    private static bool TryPositive(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && value > 0;
}
