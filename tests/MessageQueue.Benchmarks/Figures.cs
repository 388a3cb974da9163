using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>What a figure counts, which decides how it is printed and which way is better.</summary>
internal enum FigureUnit
{
    RequestsPerSecond,
    Milliseconds,
    CpuMicroseconds,
    Kilobytes,
    Fraction,
}

/// <summary>One figure measured on each server. The ratio is always gateway / minimal.</summary>
internal sealed record Figure(string Name, FigureUnit Unit, IReadOnlyDictionary<ServerKind, double> Values)
{
    public double Ratio => Values[ServerKind.Gateway] / Values[ServerKind.Minimal];
}

/// <summary>A figure of the gateway against another of its own from the same run: another door, or another reader.</summary>
internal sealed record Comparison(string Name, FigureUnit Unit, double Value, string Baseline, double BaselineValue)
{
    public double Ratio => Value / BaselineValue;
}

/// <summary>A target checked on the ratio of one figure, or on the gateway's own value of it.</summary>
internal sealed record Target(string Description, string FigureName, double Limit, bool AtLeast, bool OnGatewayValue = false)
{
    public double Checked(Figure figure) => OnGatewayValue ? figure.Values[ServerKind.Gateway] : figure.Ratio;

    public bool Passes(Figure figure) => AtLeast ? Checked(figure) >= Limit : Checked(figure) <= Limit;
}

/// <summary>The names of figures, in one place so that targets can point at them.</summary>
internal static class FigureNames
{
    public static string Load(RequestKind kind, int clients) => $"{kind switch
    {
        RequestKind.List => "list (type 1)",
        RequestKind.Update => "durable update (type 3)",
        RequestKind.RestList => "REST list (GET)",
        _ => "REST durable update (POST)",
    }}, {clients} client{(clients == 1 ? "" : "s")}";

    public static string Fanout(int subscribers) => $"update to {subscribers} subscriber{(subscribers == 1 ? "" : "s")}";

    public static string Throughput(string scenario) => $"{scenario}: requests/s";

    public static string P50(string scenario) => $"{scenario}: p50 latency (ms)";

    public static string P99(string scenario) => $"{scenario}: p99 latency (ms)";

    public static string Max(string scenario) => $"{scenario}: max latency (ms)";

    public static string CpuPerRequest(string scenario) => $"{scenario}: server CPU per request (µs)";

    public static string Hub(HubClientKind client, int connections, bool serverGc) =>
        string.Create(CultureInfo.InvariantCulture, $"hub update to {connections:N0} {(client == HubClientKind.Lean ? "connections" : ".NET clients")}, {(serverGc ? "server" : "workstation")} GC");

    public static string HubToSub(HubClientKind client, int connections, bool serverGc) => $"{Hub(client, connections, serverGc)}, same updates to SUB";

    public static string Delivered(string scenario) => $"{scenario}: delivered / expected";

    public static string CpuPerDelivery(string scenario) => $"{scenario}: server CPU per delivery (µs)";

    public static string RssPerConnection(string scenario) => $"{scenario}: server RSS per connection, subscribed (KB)";

    public static string RssPerConnectionAfter(string scenario) => $"{scenario}: server RSS per connection, after the updates (KB)";
}
