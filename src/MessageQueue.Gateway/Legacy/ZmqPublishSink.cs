using System.Text;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Legacy;

/// <summary>Shows each update to legacy SUB clients as one frame: "&lt;subject&gt; &lt;whole content&gt;".</summary>
internal sealed class ZmqPublishSink(ZmqOutbox outbox) : IChangeSink
{
    public string Name => "zmq-pub";

    /// <summary>It encodes the frame and queues it for the door's poller thread, which sends it.</summary>
    public bool EnqueuesOnly => true;

    public ValueTask DeliverAsync(SubjectChange change, CancellationToken cancellationToken)
    {
        if (change is not SubjectUpdate update)
            return ValueTask.CompletedTask; // the legacy protocol has no word for a subject created or deleted

        // Encoded straight into the frame: the content can be a whole window, so no intermediate string.
        var subjectBytes = Encoding.UTF8.GetByteCount(update.Subject);
        var frame = new byte[subjectBytes + 1 + Encoding.UTF8.GetByteCount(update.Content)];
        Encoding.UTF8.GetBytes(update.Subject, frame);
        frame[subjectBytes] = (byte)' ';
        Encoding.UTF8.GetBytes(update.Content, frame.AsSpan(subjectBytes + 1));
        outbox.Publish(frame);
        return ValueTask.CompletedTask;
    }
}
