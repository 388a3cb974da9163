using System.Net;
using System.Net.Sockets;
using MessageQueue.Tests.Fuzzing;
using MessageQueue.Tests.Infrastructure;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>
/// A gateway process whose sub source reads two publishers through outgoing ZMTP guards: one sends bytes that end
/// NetMQ 4.0.4.5's I/O thread (and the process, unguarded); its connection is cut and counted, and the other is read on.
/// </summary>
public sealed class SubSourceGuardProcessTests
{
    private static readonly byte[] EmptyCommand = [0x04, 0x00];

    [Fact]
    public async Task APublisherSendingMalformedZmtpIsCutAndCountedWhileTheOtherIsReadOn()
    {
        using var hostile = new HostilePublisher();
        await using var publisher = await PythonFeeder.PublisherAsync();
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path, new Dictionary<string, string>
        {
            ["Ingest__Sources__0__Name"] = "plant",
            ["Ingest__Sources__0__Kind"] = "sub",
            ["Ingest__Sources__0__Endpoint"] = hostile.Endpoint,
            ["Ingest__Sources__0__Endpoints__0"] = publisher.Endpoint,
            ["Ingest__Sources__0__Subject"] = "React",
        });
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };

        var violations = 0.0;
        await Poll.UntilAsync(async () => hostile.Cut >= 2 && (violations = await ConnectionsEndedAsync(http, "plant", "violation")) >= 2,
            () => $"The malformed publisher was cut {hostile.Cut} times; the gateway counted {violations} violations:\n" + gateway.Output);
        await JoinAsync(publisher, http, "React", topic: null);
        await publisher.SendAsync("still here");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, "React")).Any(u => u.Text == "still here" && u.Door == "zmq-ingest:plant"),
            () => "The other publisher's message was not stored:\n" + gateway.Output);
        Assert.False(gateway.HasExited, "The gateway process exited:\n" + gateway.Output);
        Assert.Contains("cut its connection to publisher " + hostile.Endpoint, gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Greets each connection as a ZMTP 3 PUB, then sends an empty command frame (which ends NetMQ 4.0.4.5's I/O thread), and counts the connections the other side cut.</summary>
    private sealed class HostilePublisher : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private int _cut;

        public HostilePublisher()
        {
            _listener.Start();
            Endpoint = $"tcp://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            _ = AcceptAsync();
        }

        public string Endpoint { get; }

        public int Cut => Volatile.Read(ref _cut);

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = AttackAsync(client);
            }
        }

        private async Task AttackAsync(TcpClient client)
        {
            using var _ = client;
            try
            {
                var stream = client.GetStream();
                await stream.WriteAsync((byte[])[.. RawZmtpPeer.Greeting(), .. RawZmtpPeer.Ready("PUB"), .. EmptyCommand], _stop.Token);
                var buffer = new byte[4096];
                while (await stream.ReadAsync(buffer, _stop.Token) > 0)
                {
                    // what NetMQ sends (its greeting, READY, subscriptions) is read and ignored until the connection ends
                }
                Interlocked.Increment(ref _cut);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (!_stop.IsCancellationRequested)
                    Interlocked.Increment(ref _cut); // a reset is a cut too
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
