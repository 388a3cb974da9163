using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A Redis connection speaking RESP 2 by hand, for the few commands the benchmark asks (PING, INFO, PUBSUB): no client
/// library in the generator, and it counts the bytes it sends and reads, so a reading can leave its own traffic out
/// of Redis's counters. One thread at a time.
/// </summary>
internal sealed class RespClient : IDisposable
{
    private readonly TcpClient _tcp;
    private readonly BufferedStream _stream;

    private RespClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = new BufferedStream(tcp.GetStream());
    }

    /// <summary>Bytes sent so far.</summary>
    public long Sent { get; private set; }

    /// <summary>Bytes of whole replies read so far.</summary>
    public long Received { get; private set; }

    /// <summary>Connects; a read that waits longer than <paramref name="receiveTimeout"/> (default 5 s, zero: forever) fails.</summary>
    public static RespClient Connect(int port, TimeSpan? receiveTimeout = null)
    {
        var tcp = new TcpClient { NoDelay = true, ReceiveTimeout = (int)(receiveTimeout ?? TimeSpan.FromSeconds(5)).TotalMilliseconds, SendTimeout = 5000 };
        try
        {
            tcp.Connect(IPAddress.Loopback, port);
            return new RespClient(tcp);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and reads its reply.</summary>
    public object? Call(params string[] arguments)
    {
        Send(arguments);
        return Read();
    }

    /// <summary>Sends one command as an array of bulk strings.</summary>
    public void Send(params string[] arguments)
    {
        var command = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{arguments.Length}\r\n");
        foreach (var argument in arguments)
            command.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        var bytes = Encoding.UTF8.GetBytes(command.ToString());
        _stream.Write(bytes);
        _stream.Flush();
        Sent += bytes.Length;
    }

    /// <summary>One reply: a string (simple or bulk), a number, an array of replies, or null; an error reply throws.</summary>
    public object? Read()
    {
        var line = ReadLine();
        var rest = line[1..];
        switch (line[0])
        {
            case '+':
                return rest;
            case '-':
                throw new InvalidOperationException($"Redis answered {rest}");
            case ':':
                return long.Parse(rest, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(rest, CultureInfo.InvariantCulture);
                if (length < 0)
                    return null;
                var bulk = new byte[length + 2];
                _stream.ReadExactly(bulk);
                Received += bulk.Length;
                return Encoding.UTF8.GetString(bulk, 0, length);
            case '*':
                var count = int.Parse(rest, CultureInfo.InvariantCulture);
                return count < 0 ? null : Enumerable.Range(0, count).Select(_ => Read()).ToArray();
            default:
                throw new InvalidOperationException($"Not a RESP reply: {line}");
        }
    }

    public void Dispose()
    {
        _stream.Dispose();
        _tcp.Dispose();
    }

    private string ReadLine()
    {
        var line = new StringBuilder();
        while (true)
        {
            var next = _stream.ReadByte();
            if (next < 0)
                throw new IOException("Redis closed the connection.");
            Received++;
            if (next == '\n' && line.Length > 0 && line[^1] == '\r')
                return line.ToString(0, line.Length - 1);
            line.Append((char)next);
        }
    }
}
