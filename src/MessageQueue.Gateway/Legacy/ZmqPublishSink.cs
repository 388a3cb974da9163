using System.Text;
using MessageQueue.Gateway.Fanout;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Legacy;

/// <summary>Shows each update to legacy SUB clients as one frame: "&lt;subject&gt; &lt;whole content&gt;".</summary>
internal sealed class ZmqPublishSink(ZmqOutbox outbox) : IUpdateSink
{
    public string Name => "zmq-pub";

    public ValueTask DeliverAsync(SubjectUpdate update, CancellationToken cancellationToken)
    {
        outbox.Publish(Encoding.UTF8.GetBytes($"{update.Subject} {update.Content}"));
        return ValueTask.CompletedTask;
    }
}
