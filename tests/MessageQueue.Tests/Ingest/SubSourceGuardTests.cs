using System.Net;
using System.Net.Sockets;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>
/// A sub source reaches each publisher through an outgoing ZMTP guard: its peers are the publishers reached, not
/// NetMQ's connections to the guards' loopback ports, and each connection's end is counted.
/// </summary>
[Collection(OneGatewayAtATime.Name)] // reads counters on /metrics, which another gateway's disposal in this process resets
public sealed class SubSourceGuardTests
{
    private static readonly string[] Outcomes = ["closed", "unreachable", "handshake_failed", "violation"];

    [Fact]
    public async Task PeersArePublishersReachedAndEachConnectionsEndIsCounted()
    {
        var publisher = await PythonFeeder.PublisherAsync();
        var nobody = FreeLoopbackEndpoint();
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", publisher.Endpoint), ("Endpoints:0", nobody)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);

        await Poll.UntilAsync(async () => await ConnectionsEndedAsync(http, source, "unreachable") >= 2,
            () => "The endpoint where nothing listens was not counted as unreachable.");
        Assert.Equal(1, Status(gateway, source).Peers); // not NetMQ's connections to the two guards

        await publisher.DisposeAsync(); // killed: its connection drops
        var ends = "";
        await Poll.UntilAsync(async () =>
        {
            ends = string.Join(", ", await Task.WhenAll(Outcomes.Select(async o => $"{o} {await ConnectionsEndedAsync(http, source, o)}")));
            return await ConnectionsEndedAsync(http, source, "closed") >= 1 && Status(gateway, source).Peers == 0;
        }, () => $"The publisher's end was not counted, or it still counts as a peer ({Status(gateway, source).Peers}); ends: {ends}.");
        Assert.Equal(0, await ConnectionsEndedAsync(http, source, "violation"));
    }

    private static string FreeLoopbackEndpoint()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return $"tcp://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
    }
}
