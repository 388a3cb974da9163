using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>The store group's report: each figure of the gateway on PostgreSQL as a ratio to the gateway on SQLite.</summary>
internal static class ReportStore
{
    /// <summary>Issue 15 expects one instance on PostgreSQL at 0.5x to 1x of SQLite's durable updates/s.</summary>
    public const double MinThroughputRatio = 0.5;

    private const int TargetClients = 16;

    private sealed record Row(string Name, FigureUnit Unit, double Sqlite, double PostgreSql)
    {
        public double Ratio => PostgreSql / Sqlite;
    }

    public static bool Passes(StoreResult result) => TargetRatio(result) is not { } ratio || ratio >= MinThroughputRatio;

    public static void Write(TextWriter output, StoreResult result)
    {
        output.WriteLine($"Store: the gateway on PostgreSQL {result.PostgreSqlVersion} against the gateway on SQLite, same run (ratio = PostgreSQL / SQLite: above 1 is better for requests/s, below 1 for latency and CPU).");
        output.WriteLine();
        output.WriteLine("| scenario | SQLite | PostgreSQL | ratio |");
        output.WriteLine("|---|---:|---:|---:|");
        foreach (var row in Rows(result))
            output.WriteLine(Invariant($"| {row.Name} | {Report.Format(row.Sqlite, row.Unit)} | {Report.Format(row.PostgreSql, row.Unit)} | {row.Ratio:0.00}x |"));
        output.WriteLine();
        output.WriteLine("CPU per update (µs, during the measured window; the median windows): the gateway's process, and PostgreSQL's server processes (postmaster and children).");
        output.WriteLine();
        output.WriteLine("| scenario | SQLite: gateway | PostgreSQL: gateway | PostgreSQL: server | PostgreSQL: both | ratio (both / SQLite) |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (scenario, windows, updates) in Windows(result))
        {
            var (sqlite, postgres) = (windows[StoreKind.Sqlite], windows[StoreKind.PostgreSql]);
            var sqliteGateway = Micros(sqlite.Server, updates[StoreKind.Sqlite]);
            var (gateway, database) = (Micros(postgres.Server, updates[StoreKind.PostgreSql]), Micros(postgres.Database, updates[StoreKind.PostgreSql]));
            output.WriteLine(Invariant($"| {scenario} | {sqliteGateway:0} | {gateway:0} | {database:0} | {gateway + database:0} | {(gateway + database) / sqliteGateway:0.00}x |"));
        }
        output.WriteLine();
        foreach (var load in result.Loads.Where(l => l.Rounds.Count > 1))
        {
            var rounds = string.Join(", ", load.Rounds.Select(r => Invariant(
                $"{r[StoreKind.Sqlite].RequestsPerSecond:0}/{r[StoreKind.PostgreSql].RequestsPerSecond:0} ({r[StoreKind.PostgreSql].RequestsPerSecond / r[StoreKind.Sqlite].RequestsPerSecond:0.00}x)")));
            output.WriteLine($"- {FigureNames.Load(load.Kind, load.Clients)}, every round, SQLite/PostgreSQL requests/s (ratio): {rounds}");
        }
        foreach (var (scenario, windows, updates) in Windows(result))
            output.WriteLine($"- {scenario}: {Describe(windows, updates)}");
        if (TargetRatio(result) is { } ratio)
        {
            output.WriteLine(Invariant(
                $"- {(ratio >= MinThroughputRatio ? "PASS" : "FAIL")}: durable updates with {TargetClients} clients on PostgreSQL >= {MinThroughputRatio}x SQLite (ratio {ratio:0.00}x; issue 15 expects 0.5x to 1x)"));
        }
    }

    private static IEnumerable<Row> Rows(StoreResult result)
    {
        foreach (var load in result.Loads)
        {
            var scenario = FigureNames.Load(load.Kind, load.Clients);
            yield return Of(FigureNames.Throughput(scenario), FigureUnit.RequestsPerSecond, load.Results, r => r.RequestsPerSecond);
            yield return Of(FigureNames.P50(scenario), FigureUnit.Milliseconds, load.Results, r => r.Latency.P50Ms);
            yield return Of(FigureNames.P99(scenario), FigureUnit.Milliseconds, load.Results, r => r.Latency.P99Ms);
        }
        var delivery = FigureNames.Fanout(1);
        yield return Of(FigureNames.P50(delivery), FigureUnit.Milliseconds, result.Delivery, r => r.Delivery.P50Ms);
        yield return Of(FigureNames.P99(delivery), FigureUnit.Milliseconds, result.Delivery, r => r.Delivery.P99Ms);
        yield return Of($"{delivery}: reply p50 (ms)", FigureUnit.Milliseconds, result.Delivery, r => r.Reply.P50Ms);
    }

    private static Row Of<T>(string name, FigureUnit unit, IReadOnlyDictionary<StoreKind, T> results, Func<T, double> value) =>
        new(name, unit, value(results[StoreKind.Sqlite]), value(results[StoreKind.PostgreSql]));

    /// <summary>Each measured window with the number of updates it holds, loads first, then the latency run.</summary>
    private static IEnumerable<(string Scenario, Dictionary<StoreKind, CpuWindow> Windows, Dictionary<StoreKind, int> Updates)> Windows(StoreResult result) =>
        result.Loads.Select(l => (FigureNames.Load(l.Kind, l.Clients), l.Results.ToDictionary(r => r.Key, r => r.Value.Cpu), l.Results.ToDictionary(r => r.Key, r => r.Value.Requests)))
            .Append((FigureNames.Fanout(1), result.Delivery.ToDictionary(r => r.Key, r => r.Value.Cpu), result.Delivery.ToDictionary(r => r.Key, r => r.Value.Updates)));

    /// <summary>Cores busy in each window, and µs per update of the gateway's busiest threads and of each PostgreSQL role.</summary>
    private static string Describe(Dictionary<StoreKind, CpuWindow> windows, Dictionary<StoreKind, int> updates)
    {
        var (sqlite, postgres) = (windows[StoreKind.Sqlite], windows[StoreKind.PostgreSql]);
        var perUpdate = updates[StoreKind.PostgreSql];
        return Invariant($"cores busy, SQLite: gateway {sqlite.Cores(sqlite.Server):0.00}, generator {sqlite.Cores(sqlite.Generator):0.00}, other processes {sqlite.Cores(sqlite.Others):0.00}, steal {sqlite.Cores(sqlite.Steal):0.00}; ")
            + Invariant($"PostgreSQL: gateway {postgres.Cores(postgres.Server):0.00}, server {postgres.Cores(postgres.Database):0.00}, generator {postgres.Cores(postgres.Generator):0.00}, other processes {postgres.Cores(postgres.Others):0.00}, steal {postgres.Cores(postgres.Steal):0.00}; ")
            + $"µs per update, SQLite gateway: {Busiest(sqlite.ServerThreads, updates[StoreKind.Sqlite])}; PostgreSQL gateway: {Busiest(postgres.ServerThreads, perUpdate)}; PostgreSQL server: {Busiest(postgres.DatabaseProcesses, perUpdate)}";
    }

    private static string Busiest(IReadOnlyDictionary<string, TimeSpan> parts, int updates) => string.Join(", ", parts
        .Select(p => (p.Key, Micros: Micros(p.Value, updates))).Where(p => p.Micros >= 0.5).OrderByDescending(p => p.Micros).Take(6)
        .Select(p => Invariant($"{p.Key} {p.Micros:0}")));

    private static double Micros(TimeSpan cpu, int updates) => cpu.TotalMicroseconds / Math.Max(1, updates);

    private static double? TargetRatio(StoreResult result) =>
        result.Loads.FirstOrDefault(l => l.Kind == RequestKind.Update && l.Clients == TargetClients) is { } load
            ? load.Results[StoreKind.PostgreSql].RequestsPerSecond / load.Results[StoreKind.Sqlite].RequestsPerSecond
            : null;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
