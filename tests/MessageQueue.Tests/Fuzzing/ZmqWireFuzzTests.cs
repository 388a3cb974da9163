using System.Text;
using System.Text.RegularExpressions;
using MessageQueue.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Raw TCP at the legacy ZeroMQ door of a gateway running as its own process: bytes that are not ZMTP at all, half a
/// greeting, a mangled greeting or READY, frames that lie about their size. The process must stay up and serving,
/// and a well-framed request after a proper handshake must be answered exactly once.
/// </summary>
public sealed partial class ZmqWireFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public async Task GarbageThatIsNotZmtpNeverTakesTheProcessDown()
    {
        const int Seed = 3_101;
        var fuzz = new FuzzInputs(Seed);
        var report = new FuzzReport(output, "zmq raw tcp", Seed);
        using var data = new TempDirectory();
        await using var gateway = await GatewayProcess.StartAsync(data.Path);
        var endpoint = gateway.ReplyEndpoint;

        // A proper handshake and a request: the baseline every other connection is measured against.
        await AssertAnswersAsync(endpoint, report, "baseline");

        // Random bytes, as the first thing on the connection.
        for (var i = 0; i < 400; i++)
        {
            var bytes = fuzz.Chance(0.5) ? fuzz.Bytes(1, 200) : fuzz.Bytes(1, 5000);
            await SendAndCloseAsync(endpoint, report, "random bytes", bytes);
        }

        // Every prefix of a valid greeting, then gone.
        var greeting = RawZmtpPeer.Greeting();
        for (var length = 1; length < greeting.Length; length++)
            await SendAndCloseAsync(endpoint, report, "half a greeting", greeting[..length]);

        // Greetings and READY commands with mutations, then a request.
        byte[] opening = [.. greeting, .. RawZmtpPeer.Ready(), .. RawZmtpPeer.Request("{\"type\":\"1\"}"u8)];
        for (var i = 0; i < 300; i++)
            await SendAndCloseAsync(endpoint, report, "mutated greeting", fuzz.Mutate(opening));
        foreach (var (major, mechanism, asServer, socketType) in new[]
        {
            ((byte)1, "NULL", false, "DEALER"), ((byte)2, "NULL", false, "DEALER"), ((byte)255, "NULL", false, "DEALER"),
            ((byte)3, "PLAIN", false, "DEALER"), ((byte)3, "CURVE", false, "DEALER"), ((byte)3, "GSSAPI", false, "REQ"),
            ((byte)3, "\0\0\0\0", false, "REQ"), ((byte)3, "NULL", true, "DEALER"), ((byte)3, "NULL", false, "PUB"),
            ((byte)3, "NULL", false, "SUB"), ((byte)3, "NULL", false, "ROUTER"), ((byte)3, "NULL", false, ""),
            ((byte)3, "NULL", false, new string('X', 200)),
        })
        {
            byte[] odd = [.. RawZmtpPeer.Greeting(major, 0, mechanism, asServer), .. RawZmtpPeer.Ready(socketType), .. RawZmtpPeer.Request("{\"type\":\"1\"}"u8)];
            await SendAndCloseAsync(endpoint, report, "odd greeting", odd);
        }

        // After a proper handshake: frames with reserved flag bits, unknown commands, sizes that lie, and bodies cut short.
        for (var i = 0; i < 300; i++)
        {
            await using var peer = await RawZmtpPeer.ConnectAsync(endpoint);
            try
            {
                await peer.HandshakeAsync();
            }
            catch (IOException ex)
            {
                Assert.Fail($"seed {Seed}, connection #{i} after the handshake category: {ex.Message}; exited: {gateway.HasExited}\n{string.Join('\n', gateway.Output.Split('\n').TakeLast(30))}");
            }
            var frames = fuzz.Next(4) switch
            {
                0 => fuzz.Bytes(1, 300),
                1 => fuzz.Mutate(RawZmtpPeer.Request("{\"type\":\"1\"}"u8)),
                2 => [(byte)(0x04 | fuzz.Next(2)), .. fuzz.Bytes(1, 40)],
                _ => [0x02, .. BitConverter.GetBytes(fuzz.Random.NextInt64()), .. fuzz.Bytes(0, 100)],
            };
            report.Tried("frames after the handshake");
            await SendIgnoringResetAsync(peer, frames);
        }

        // A frame header announcing more than Zmq:HardMaxRequestBytes: the door drops the peer without reading it.
        foreach (var size in new long[] { 4 * 1024 * 1024 + 1, 64L * 1024 * 1024, long.MaxValue, -1 })
        {
            await using var peer = await RawZmtpPeer.ConnectAsync(endpoint);
            await peer.HandshakeAsync();
            var header = new byte[9];
            header[0] = 0x02;
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(1), size);
            report.Tried("over the hard cap");
            await SendIgnoringResetAsync(peer, [.. RawZmtpPeer.Frame([], more: true), .. header, .. new byte[100]]);
            Assert.True(await peer.ClosedByPeerAsync(TimeSpan.FromSeconds(5)), $"seed {Seed}: a frame of {size} bytes announced, yet the door kept the connection");
        }

        Assert.False(gateway.HasExited, "The gateway exited:\n" + gateway.Output);
        await AssertAnswersAsync(endpoint, report, "baseline");
        report.Write();
        await EveryDoor.AssertServingAsync(HttpAddress(gateway), gateway.ReplyEndpoint, gateway.PublishEndpoint);
        Assert.False(gateway.HasExited, "The gateway exited:\n" + gateway.Output);
        Assert.DoesNotContain("Unhandled exception", gateway.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A proper handshake, then a "1": exactly one reply, the list of subjects, and then another one.</summary>
    private static async Task AssertAnswersAsync(string endpoint, FuzzReport report, string category)
    {
        await using var peer = await RawZmtpPeer.ConnectAsync(endpoint);
        await peer.HandshakeAsync();
        for (var i = 0; i < 2; i++)
        {
            report.Tried(category);
            await peer.SendAsync(RawZmtpPeer.Request("{\"type\":\"1\"}"u8));
            var reply = await peer.ReceiveMessageAsync();
            Assert.Equal(2, reply.Count);
            Assert.Empty(reply[0]);
            Assert.StartsWith("[SpringBoot] [NodeJs] [React] [Django]", Encoding.UTF8.GetString(reply[1]), StringComparison.Ordinal);
        }
    }

    private static async Task SendAndCloseAsync(string endpoint, FuzzReport report, string category, byte[] bytes)
    {
        report.Tried(category);
        await using var peer = await RawZmtpPeer.ConnectAsync(endpoint);
        await SendIgnoringResetAsync(peer, bytes);
    }

    /// <summary>The door may drop a peer mid-send (that is its answer to garbage); the write then fails, which is fine.</summary>
    private static async Task SendIgnoringResetAsync(RawZmtpPeer peer, byte[] bytes)
    {
        try
        {
            await peer.SendAsync(bytes);
        }
        catch (IOException)
        {
        }
    }

    private static Uri HttpAddress(GatewayProcess gateway) =>
        new(ListeningLine().Match(gateway.Output) is { Success: true } match ? match.Groups[1].Value : throw new InvalidOperationException("No HTTP address in:\n" + gateway.Output));

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
