using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A minimal SMTP server on a free loopback port, in this process: it answers HELO/EHLO, MAIL, RCPT, RSET, NOOP,
/// DATA and QUIT, reads each message to its lone "." line, counts it (and its bytes) and keeps the first one as a
/// sample. It advertises no extension, so clients talk plain SMTP one command at a time. Nothing is stored.
/// </summary>
internal sealed class SmtpSink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private long _messages;
    private long _bytes;
    private long _lastAt;
    private byte[]? _sample;

    public SmtpSink()
    {
        _listener.Start(backlog: 128);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public long Messages
    {
        get
        {
            lock (_gate)
                return _messages;
        }
    }

    public long Bytes
    {
        get
        {
            lock (_gate)
                return _bytes;
        }
    }

    /// <summary>The Stopwatch timestamp of the latest message's final "." line.</summary>
    public long LastAt
    {
        get
        {
            lock (_gate)
                return _lastAt;
        }
    }

    /// <summary>The first message received, as sent (dot-stuffing removed), or null.</summary>
    public byte[]? Sample
    {
        get
        {
            lock (_gate)
                return _sample;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have arrived in all.</summary>
    public bool WaitFor(long count, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            while (_messages < count)
            {
                var left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0 || !Monitor.Wait(_gate, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency)))
                    return _messages >= count;
            }
            return true;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Stopped.
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        client.NoDelay = true;
        var connection = new Connection();
        var replies = new ArrayBufferWriter<byte>(256);
        try
        {
            var stream = client.GetStream();
            await stream.WriteAsync("220 127.0.0.1 benchmark sink\r\n"u8.ToArray(), _stop.Token);
            var reader = PipeReader.Create(stream);
            while (true)
            {
                var result = await reader.ReadAsync(_stop.Token);
                var buffer = result.Buffer;
                replies.ResetWrittenCount();
                var consumed = Process(buffer, connection, replies);
                reader.AdvanceTo(consumed, buffer.End);
                if (replies.WrittenCount > 0)
                    await stream.WriteAsync(replies.WrittenMemory, _stop.Token);
                if (connection.Quit || result.IsCompleted)
                    break;
            }
            await reader.CompleteAsync();
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
            // The client went away, or the sink stopped.
        }
    }

    private SequencePosition Process(ReadOnlySequence<byte> buffer, Connection connection, ArrayBufferWriter<byte> replies)
    {
        var reader = new SequenceReader<byte>(buffer);
        Span<byte> verb = stackalloc byte[4];
        while (!connection.Quit && reader.TryReadTo(out ReadOnlySequence<byte> line, "\r\n"u8))
        {
            if (connection.InData)
            {
                if (line.Length == 1 && line.FirstSpan[0] == (byte)'.')
                {
                    connection.InData = false;
                    Received(connection);
                    replies.Write("250 2.0.0 OK queued\r\n"u8);
                    continue;
                }
                connection.Size += line.Length + 2;
                if (connection.Capture is { } capture)
                {
                    var content = line.Length > 0 && line.FirstSpan[0] == (byte)'.' ? line.Slice(1) : line;
                    foreach (var segment in content)
                        capture.Write(segment.Span);
                    capture.Write("\r\n"u8);
                }
                continue;
            }
            var length = (int)Math.Min(4, line.Length);
            line.Slice(0, length).CopyTo(verb);
            for (var i = 0; i < length; i++)
                verb[i] = (byte)(verb[i] & ~0x20);
            switch (verb[..length])
            {
                case var v when v.SequenceEqual("EHLO"u8) || v.SequenceEqual("HELO"u8):
                    replies.Write("250 127.0.0.1\r\n"u8);
                    break;
                case var v when v.SequenceEqual("MAIL"u8) || v.SequenceEqual("RCPT"u8) || v.SequenceEqual("RSET"u8) || v.SequenceEqual("NOOP"u8):
                    replies.Write("250 2.0.0 OK\r\n"u8);
                    break;
                case var v when v.SequenceEqual("DATA"u8):
                    connection.InData = true;
                    connection.Size = 0;
                    connection.Capture = Sample is null ? new ArrayBufferWriter<byte>(8192) : null;
                    replies.Write("354 End data with <CR><LF>.<CR><LF>\r\n"u8);
                    break;
                case var v when v.SequenceEqual("QUIT"u8):
                    connection.Quit = true;
                    replies.Write("221 2.0.0 Bye\r\n"u8);
                    break;
                default:
                    replies.Write("502 5.5.2 Command not implemented\r\n"u8);
                    break;
            }
        }
        return reader.Position;
    }

    private void Received(Connection connection)
    {
        lock (_gate)
        {
            _messages++;
            _bytes += connection.Size;
            _lastAt = Stopwatch.GetTimestamp();
            if (_sample is null && connection.Capture is { } capture)
                _sample = capture.WrittenSpan.ToArray();
            Monitor.PulseAll(_gate);
        }
        connection.Capture = null;
    }

    private sealed class Connection
    {
        public bool InData { get; set; }
        public bool Quit { get; set; }
        public long Size { get; set; }
        public ArrayBufferWriter<byte>? Capture { get; set; }
    }
}
