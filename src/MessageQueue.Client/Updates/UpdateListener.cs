using System.Diagnostics;
using MessageQueue.Client.Connection;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Client.Updates;

/// <summary>
/// A SUB socket on one subject, served by its own poller thread, handing each update to a callback on that thread.
/// NetMQ sockets are not thread safe: once the poller runs, only its thread touches the socket; disposing stops the
/// poller (waiting for its thread) before closing the socket.
/// </summary>
internal sealed class UpdateListener : IDisposable
{
    // PUB/SUB slow joiner: until the subscription reaches the publisher, updates are lost. The original client
    // waited about 2 seconds before letting the user post; a second is plenty on a LAN.
    private static readonly TimeSpan JoinGrace = TimeSpan.FromSeconds(1);

    private readonly SubscriberSocket _socket = new();
    private readonly NetMQPoller _poller;
    private readonly Action<SubjectUpdate> _onUpdate;
    private readonly Stopwatch _sinceConnect = Stopwatch.StartNew();

    public UpdateListener(string publisherEndpoint, string subject, Action<SubjectUpdate> onUpdate, CurveKeys? curve = null)
    {
        Subject = subject;
        _onUpdate = onUpdate;
        _socket.Options.Linger = TimeSpan.Zero;
        curve?.ApplyTo(_socket);
        _socket.Connect(publisherEndpoint);
        _socket.Subscribe(subject);
        _socket.ReceiveReady += OnReceiveReady;
        _poller = [_socket];
        _poller.RunAsync("mq-updates");
    }

    public string Subject { get; }

    /// <summary>Blocks for whatever is left of the join grace, so the user's own post is not lost to the slow joiner.</summary>
    public void WaitForJoinGrace()
    {
        var left = JoinGrace - _sinceConnect.Elapsed;
        if (left > TimeSpan.Zero)
            Thread.Sleep(left);
    }

    public void Dispose()
    {
        _poller.Dispose();
        _socket.Dispose();
    }

    private void OnReceiveReady(object? sender, NetMQSocketEventArgs e)
    {
        while (e.Socket.TryReceiveFrameString(TimeSpan.Zero, out var frame, out var more))
        {
            if (more)
                e.Socket.SkipMultipartMessage();

            // The filter is a byte prefix, so "React" also lets "ReactNative" through: compare the topic exactly.
            var update = SubjectUpdate.Parse(frame!);
            if (update.Subject == Subject)
                _onUpdate(update);
        }
    }
}
