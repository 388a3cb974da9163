using System.Text.RegularExpressions;
using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Ingest;

/// <summary>
/// A gateway process configured by environment variables, as in a container: its pull source sits behind the ZMTP
/// guard, so bytes that kill NetMQ 4.0.4.5's I/O thread (and the process) close that connection only, and a pyzmq PUSH
/// peer's messages go on arriving.
/// </summary>
public sealed partial class PullSourceGuardTests
{
    private static readonly byte[] EmptyCommand = [0x04, 0x00];

    [Fact]
    public async Task MalformedZmtpOnThePullPortClosesThatConnectionAndTheGatewayGoesOn()
    {
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["Ingest__Sources__0__Name"] = "robots",
            ["Ingest__Sources__0__Kind"] = "pull",
            ["Ingest__Sources__0__Endpoint"] = "tcp://127.0.0.1:0",
            ["Ingest__Sources__0__Subject"] = "React",
        });
        var endpoint = PullLine().Match(gateway.Output) is { Success: true } line ? line.Groups[1].Value : throw new InvalidOperationException("No ingest line:\n" + gateway.Output);

        await using (var attacker = await RawZmtpPeer.ConnectAsync(endpoint))
        {
            await attacker.HandshakeAsync("PUSH");
            await attacker.SendAsync(EmptyCommand);
            Assert.True(await attacker.ClosedByPeerAsync(TimeSpan.FromSeconds(10)), "The guard should close a connection that sends an empty command frame.");
        }

        await using var pusher = await PythonFeeder.PusherAsync(endpoint);
        await pusher.SendAsync("still here");
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        await Poll.UntilAsync(async () => (await IngestAssert.HistoryAsync(http, "React")).Any(u => u.Text == "still here" && u.Door == "zmq-ingest:robots"),
            () => "The pushed message after the attack was not stored:\n" + gateway.Output);
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
    }

    [GeneratedRegex(@"Ingest source robots \(pull\) reading (tcp://\S+) into")]
    private static partial Regex PullLine();
}
