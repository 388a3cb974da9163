using System.Diagnostics;
using System.Globalization;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A busy subject against inboxes: 100 updates a second for a minute to 1,000 confirmed addresses in immediate mode
/// with Email:MinIntervalSeconds 60. One mail per update and address would be 6,000,000; the registrations' marks
/// collect the updates in between into a mail per address per minute. Counts the mails the SMTP sink got, the updates
/// they report, and how much the store grew.
/// </summary>
internal static class BusyMailScenario
{
    private const int Addresses = 1_000;
    private const int UpdatesPerSecond = 100;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(150);
    private static string Subject => LegacyFrames.Subjects[3];

    public static void Run(BenchmarkOptions options)
    {
        using var sink = new SmtpSink();
        var settings = new Dictionary<string, string>(options.GatewayEnvironment)
        {
            ["Email__ConfirmSubscriptions"] = "false",
            ["Email__MinIntervalSeconds"] = "60",
            ["Smtp__Host"] = "127.0.0.1",
            ["Smtp__Port"] = sink.Port.ToString(CultureInfo.InvariantCulture),
            ["Smtp__Security"] = "None",
            ["RateLimiting__Enabled"] = "false",
        };
        using var gateway = ServerLauncher.StartHttp(ServerKind.Gateway, options with { GatewayEnvironment = settings });
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, TimeSpan.FromSeconds(15));
        EmailScenarios.Register(gateway, Subject, Addresses, "b");
        var storeBefore = StoreBytes(gateway);

        var updates = (int)(Duration.TotalSeconds * UpdatesPerSecond);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < updates; i++)
        {
            // Paced, not synchronised: update i goes at i / 100 s, never ahead of it (the scenario is a rate).
            var due = TimeSpan.FromSeconds((double)i / UpdatesPerSecond);
            if (due > clock.Elapsed)
                Thread.Sleep(due - clock.Elapsed);
            EmailScenarios.Post(http, Subject, $"busy {i}", gateway);
        }
        var postedFor = clock.Elapsed;

        // Settled: every registration mailed through the last update (the last mail waits for its interval). Polled,
        // with a timeout: the outbox tells nobody when it is empty; 250 ms is the resolution of "settled after".
        OutboxState outbox;
        while (((outbox = EmailScenarios.Outbox(http)).AwaitingExpansion > 0 || outbox.Pending > 0) && clock.Elapsed < postedFor + SettleTimeout)
            Thread.Sleep(250);
        var settledAfter = clock.Elapsed - postedFor;
        var storeAfter = StoreBytes(gateway);
        var mails = sink.Messages;
        var perUpdateAndAddress = (long)updates * Addresses;

        Console.WriteLine(Invariant($"  {"email-busy: updates posted",-36} {gateway.Name,-8} {updates:N0} in {postedFor.TotalSeconds:0.0} s to {Addresses:N0} addresses"));
        Console.WriteLine(Invariant($"  {"email-busy: mails sent",-36} {gateway.Name,-8} {mails:N0} ({(double)mails / Addresses:0.0} per address; one per update and address would be {perUpdateAndAddress:N0}, {(double)mails / perUpdateAndAddress:0.00000}x); outbox settled {settledAfter.TotalSeconds:0} s after the last update: {outbox}"));
        Console.WriteLine(Invariant($"  {"email-busy: store growth",-36} {gateway.Name,-8} {(storeAfter - storeBefore) / 1024.0 / 1024:0.0} MiB, {(double)(storeAfter - storeBefore) / updates:N0} bytes per update (the update itself, its index entries and the mails' rows)"));
    }

    /// <summary>The SQLite file with its write-ahead log.</summary>
    private static long StoreBytes(ServerProcess gateway) =>
        Directory.GetFiles(gateway.DataDirectory!, "mq.db*").Sum(f => new FileInfo(f).Length);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
