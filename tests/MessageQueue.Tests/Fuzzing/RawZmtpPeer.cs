using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// ZMTP 3.0 spoken by hand over a TCP socket (NULL mechanism, as a DEALER), so a test can send what no ZeroMQ library
/// would: half a greeting, a wrong version, a frame header announcing more than the door accepts.
/// </summary>
internal sealed class RawZmtpPeer : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;

    private RawZmtpPeer(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <param name="endpoint">tcp://host:port.</param>
    /// <param name="receiveBufferSize">The kernel's receive buffer (0: the system's default), small for a peer that must fall behind.</param>
    public static async Task<RawZmtpPeer> ConnectAsync(string endpoint, int receiveBufferSize = 0)
    {
        var uri = new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        var tcp = new TcpClient { NoDelay = true };
        if (receiveBufferSize > 0)
            tcp.ReceiveBufferSize = receiveBufferSize;
        await tcp.ConnectAsync(uri.Host, uri.Port);
        return new RawZmtpPeer(tcp);
    }

    /// <summary>The 64-byte greeting: signature, version, mechanism, as-server, filler.</summary>
    public static byte[] Greeting(byte major = 3, byte minor = 0, string mechanism = "NULL", bool asServer = false)
    {
        var greeting = new byte[64];
        greeting[0] = 0xFF;
        greeting[9] = 0x7F;
        greeting[10] = major;
        greeting[11] = minor;
        Encoding.ASCII.GetBytes(mechanism).AsSpan(0, Math.Min(mechanism.Length, 20)).CopyTo(greeting.AsSpan(12));
        greeting[32] = asServer ? (byte)1 : (byte)0;
        return greeting;
    }

    /// <summary>A READY command naming the socket type; <paramref name="valueLength"/> overrides its value's length field.</summary>
    public static byte[] Ready(string socketType = "DEALER", int? valueLength = null)
    {
        var body = new List<byte> { 5 };
        body.AddRange("READY"u8.ToArray());
        body.Add((byte)"Socket-Type".Length);
        body.AddRange("Socket-Type"u8.ToArray());
        var value = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(value, valueLength ?? socketType.Length);
        body.AddRange(value);
        body.AddRange(Encoding.ASCII.GetBytes(socketType));
        return [0x04, (byte)body.Count, .. body];
    }

    /// <summary>One frame: flags (MORE, LONG as needed) and size, then the body.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> body, bool more)
    {
        if (body.Length <= 255)
            return [more ? (byte)0x01 : (byte)0x00, (byte)body.Length, .. body];
        var header = new byte[9];
        header[0] = more ? (byte)0x03 : (byte)0x02;
        BinaryPrimitives.WriteInt64BigEndian(header.AsSpan(1), body.Length);
        return [.. header, .. body];
    }

    /// <summary>A request as a REQ peer frames it: an empty delimiter, then the body.</summary>
    public static byte[] Request(ReadOnlySpan<byte> body) => [.. Frame([], more: true), .. Frame(body, more: false)];

    public async Task SendAsync(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    /// <summary>Greets, says READY as <paramref name="socketType"/>, and reads the door's greeting and READY.</summary>
    public async Task HandshakeAsync(string socketType = "DEALER")
    {
        await SendAsync([.. Greeting(), .. Ready(socketType)]);
        var greeting = await ReadExactlyAsync(64);
        if (greeting[0] != 0xFF || greeting[9] != 0x7F || greeting[10] != 3)
            throw new InvalidDataException("Not a ZMTP 3 greeting: " + Convert.ToHexString(greeting));
        var (command, _, body) = await ReadFrameAsync();
        if (!command || body.Length < 6 || !body.AsSpan(1, 5).SequenceEqual("READY"u8))
            throw new InvalidDataException("Expected READY, got " + FuzzReport.Show(body));
    }

    /// <summary>The frames of the next message (commands skipped).</summary>
    public async Task<List<byte[]>> ReceiveMessageAsync()
    {
        var frames = new List<byte[]>();
        while (true)
        {
            var (command, more, body) = await ReadFrameAsync();
            if (command)
                continue;
            frames.Add(body);
            if (!more)
                return frames;
        }
    }

    /// <summary>True when the door closes the connection (end of stream or reset) within the timeout.</summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, cancel.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task<(bool Command, bool More, byte[] Body)> ReadFrameAsync()
    {
        var flags = (await ReadExactlyAsync(1))[0];
        var size = (flags & 0x02) != 0 ? BinaryPrimitives.ReadInt64BigEndian(await ReadExactlyAsync(8)) : (await ReadExactlyAsync(1))[0];
        if (size > 64 * 1024 * 1024)
            throw new InvalidDataException($"A frame of {size} bytes.");
        return ((flags & 0x04) != 0, (flags & 0x01) != 0, await ReadExactlyAsync((int)size));
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        using var timeout = new CancellationTokenSource(Timeout);
        await _stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0); // close with a reset: no TIME_WAIT pile-up over many connections
        _stream.Dispose();
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
