using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// A ZMTP 3.0 peer written byte by byte: the NULL handshake as a given socket type, then whatever bytes a test wants
/// to send, including ones no ZeroMQ library would.
/// </summary>
public sealed class RawZmtpPeer : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly TcpClient _client = new() { NoDelay = true };

    private RawZmtpPeer()
    {
        _client.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
        _client.SendTimeout = (int)Timeout.TotalMilliseconds;
    }

    /// <summary>Connects to <paramref name="endpoint"/> (tcp://host:port) and exchanges ZMTP 3.0 greetings (NULL mechanism).</summary>
    public static RawZmtpPeer Connect(string endpoint)
    {
        var peer = new RawZmtpPeer();
        var authority = new Uri(endpoint.Replace("tcp://", "http://", StringComparison.Ordinal));
        peer._client.Connect(authority.Host, authority.Port);
        peer.Send(Greeting());
        peer.ReadExactly(64);
        return peer;
    }

    /// <summary>Greetings and a READY command as <paramref name="socketType"/>: the handshake done.</summary>
    public static RawZmtpPeer Handshake(string endpoint, string socketType)
    {
        var peer = Connect(endpoint);
        peer.Send(Ready(socketType));
        return peer;
    }

    public static byte[] Greeting()
    {
        var greeting = new byte[64];
        greeting[0] = 0xFF;
        greeting[9] = 0x7F;
        greeting[10] = 3;
        Encoding.ASCII.GetBytes("NULL").CopyTo(greeting, 12);
        return greeting;
    }

    /// <summary>A READY command; <paramref name="valueLength"/> overrides the Socket-Type value's length field.</summary>
    public static byte[] Ready(string socketType, int? valueLength = null)
    {
        var body = new List<byte> { 5 };
        body.AddRange("READY"u8.ToArray());
        body.Add(11);
        body.AddRange("Socket-Type"u8.ToArray());
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, valueLength ?? socketType.Length);
        body.AddRange(length);
        body.AddRange(Encoding.ASCII.GetBytes(socketType));
        return [0x04, (byte)body.Count, .. body];
    }

    public void Send(byte[] bytes) => _client.GetStream().Write(bytes);

    /// <summary>True once the other side has closed the connection (end of stream or reset) within the timeout.</summary>
    public bool ClosedByServer()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                if (_client.GetStream().Read(buffer) == 0)
                    return true;
            }
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private void ReadExactly(int count) => _client.GetStream().ReadExactly(new byte[count]);

    public void Dispose() => _client.Dispose();
}
