using System.Diagnostics;
using MessageQueue.Benchmarks;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Soak;

/// <summary>
/// A short soak: rounds of mixed load with connections opened and closed on every door, against the gateway as its
/// own process. Handles must come back to their warm level once the clients are gone, and memory must not keep
/// growing from one round to the next. The thresholds are generous (a busy 2-core machine), but a leak of one
/// descriptor per connection is far past them: every round opens and closes <see cref="ChurnPerKind"/> of each kind.
/// </summary>
public sealed class ResourceFlatnessTests(ITestOutputHelper output)
{
    private const int ChurnPerKind = 40;
    private const int DescriptorMargin = 25;
    private const int ThreadMargin = 30;
    private const long ResidentGrowthBound = 64L * 1024 * 1024;
    private static readonly string[] Subjects = ["SpringBoot", "NodeJs", "React", "Django"];

    [Fact]
    public async Task HandlesReturnToTheirWarmLevelAndMemoryStaysBoundedAcrossRoundsOfLoadAndConnectionChurn()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string> { ["RateLimiting__Enabled"] = "false" });

        // The first round warms up everything that is opened once and kept (pools, the store's files, the JIT).
        await RoundAsync(gateway);
        var warm = await SettledAsync(gateway);
        await RoundAsync(gateway);
        var afterOne = await SettledAsync(gateway);
        await RoundAsync(gateway);
        var afterTwo = await SettledAsync(gateway);
        output.WriteLine($"warm {warm}; after round 2 {afterOne}; after round 3 {afterTwo}");

        Assert.True(afterTwo.OpenFiles <= warm.OpenFiles + DescriptorMargin,
            $"Descriptors grew from {warm.OpenFiles} to {afterTwo.OpenFiles} over two rounds. Its TCP sockets:\n{Sockets(gateway.Id)}");
        Assert.True(afterTwo.Threads <= warm.Threads + ThreadMargin, $"Threads grew from {warm.Threads} to {afterTwo.Threads} over two rounds.");
        Assert.True(afterTwo.ResidentBytes <= afterOne.ResidentBytes + ResidentGrowthBound,
            $"RSS grew by {(afterTwo.ResidentBytes - afterOne.ResidentBytes) / (1024 * 1024)} MB in one round of the same work.");
    }

    /// <summary>Updates on every door while connections of every kind are opened, used and closed; then every client goes.</summary>
    private static async Task RoundAsync(GatewayProcess gateway)
    {
        await using var load = await MixedLoad.StartAsync(gateway, Subjects, clientsPerDoor: 2);
        // An event stream left unfinished is closed at once, not drained in the background (for up to 2 s, or while
        // the stream keeps sending) so that its connection could be reused: the clients are gone when the round ends.
        using var http = new HttpClient(new SocketsHttpHandler { ResponseDrainTimeout = TimeSpan.Zero })
        {
            BaseAddress = gateway.HttpAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        for (var i = 0; i < ChurnPerKind; i++)
        {
            using (var peer = new LegacyPeer(gateway.ReplyEndpoint))
                Assert.StartsWith("[", peer.Request(new { type = "1" }), StringComparison.Ordinal);
            using (new LegacySubscriber(gateway.PublishEndpoint, "React"))
            {
            }
            await using (await EventStreamClient.OpenAsync(http, "/api/subjects/Django/events"))
            {
            }
            await using (var hub = await HubPeer.ConnectAsync(gateway.HttpAddress))
                await hub.SubscribeAsync("NodeJs");
            using (var once = new HttpClient { BaseAddress = gateway.HttpAddress })
                (await once.GetAsync("/api/subjects")).EnsureSuccessStatusCode();
        }
        Assert.Empty(load.Ends);
    }

    /// <summary>The process's TCP sockets as <c>ss</c> shows them (state, addresses), for a failure message.</summary>
    private static string Sockets(int processId)
    {
        using var ss = Process.Start(new ProcessStartInfo("ss", ["-tanp"]) { RedirectStandardOutput = true });
        if (ss is null)
            return "(ss did not start)";
        var lines = ss.StandardOutput.ReadToEnd().Split('\n').Where(l => l.Contains($"pid={processId},", StringComparison.Ordinal));
        return string.Join('\n', lines.Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(5))));
    }

    /// <summary>The gateway's resources once its descriptor count has held still for a second.</summary>
    private static async Task<ProcStatus> SettledAsync(GatewayProcess gateway)
    {
        ProcStatus? last = null;
        var steady = Stopwatch.StartNew();
        await Poll.UntilAsync(() =>
        {
            var now = ProcStatus.Read(gateway.Id) ?? throw new InvalidOperationException("The gateway is gone:\n" + gateway.Output);
            if (last is null || now.OpenFiles != last.OpenFiles)
                steady.Restart();
            last = now;
            return steady.Elapsed >= TimeSpan.FromSeconds(1);
        }, () => $"The gateway's descriptors never held still (last {last}).", TimeSpan.FromSeconds(30));
        return last!;
    }
}
