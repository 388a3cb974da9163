using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Legacy;

public sealed class ConcurrencyTests : IClassFixture<GatewayFactory>
{
    private readonly GatewayFactory _gateway;

    public ConcurrencyTests(GatewayFactory gateway) => _gateway = gateway;

    [Fact]
    public async Task ManyConcurrentClientsAreAllAnsweredCorrectlyAndNoUpdateIsLost()
    {
        const int clients = 32;
        const int rounds = 25;
        string[] subjects = ["SpringBoot", "NodeJs", "React", "Django"];

        // Each client on its own thread and socket: NetMQ sockets are not thread safe.
        var workers = Enumerable.Range(0, clients).Select(client => Task.Factory.StartNew(() =>
        {
            using var peer = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
            for (var round = 0; round < rounds; round++)
            {
                Assert.Equal("[SpringBoot] [NodeJs] [React] [Django]", peer.Request(new { type = "1" }));
                var subject = subjects[(client + round) % subjects.Length];
                Assert.Equal("isSuccess", peer.Request(new { type = "3", subject, updateMessage = $"c{client}-r{round}" }));
                Assert.Contains("isSuccess", peer.Request(new { type = "2", subject, email = $"c{client}@example.com" }), StringComparison.Ordinal);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(60));

        using var reader = new LegacyPeer(_gateway.Zmq.ReplyEndpoint);
        var lines = subjects
            .SelectMany(subject => LegacyProtocolTests.ContentOf(reader.Request(new { type = "2", subject, email = "count@example.com" })).Split('\n').Skip(1))
            .ToList();
        Assert.Equal(clients * rounds, lines.Count);
        Assert.Equal(clients * rounds, lines.Distinct().Count());

        // Every update of every client is there exactly once.
        for (var client = 0; client < clients; client++)
        {
            var prefix = $"c{client}-r";
            var mine = lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => int.Parse(l[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, rounds), mine.Order());
        }
    }
}
