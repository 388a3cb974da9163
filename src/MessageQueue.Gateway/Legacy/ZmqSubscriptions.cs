using System.Collections.Concurrent;
using System.Text;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// The topics legacy SUB clients hold, as the XPUB socket reports them: a topic's first subscription, and its
/// unsubscription when its last holder drops it or disconnects. NetMQ has no way to report every holder's leaving
/// (libzmq's XPUB_VERBOSER), so counting holders would only ever grow; distinct topics held never drift.
/// </summary>
public sealed class ZmqSubscriptions
{
    /// <summary>Beyond this many topics new ones are not counted (they are still served): bounds memory.</summary>
    private const int MaxTopics = 1024;

    /// <summary>Longer topics (content filters) are served but not counted.</summary>
    private const int MaxTopicBytes = 256;

    // Topics are bytes: Latin-1 maps each byte to one char, so different topics never share a key.
    private readonly ConcurrentDictionary<string, byte> _topics = new(StringComparer.Ordinal);

    /// <summary>Distinct topics held.</summary>
    public int Total => _topics.Count;

    /// <summary>Distinct topics held that receive this subject's publications ("&lt;subject&gt; &lt;content&gt;"): a prefix
    /// of "&lt;subject&gt; " (the empty topic included) or a longer topic that starts with it.</summary>
    public int CountFor(string subject)
    {
        var frameStart = subject + " ";
        var count = 0;
        foreach (var topic in _topics.Keys)
        {
            if (frameStart.StartsWith(topic, StringComparison.Ordinal) || topic.StartsWith(frameStart, StringComparison.Ordinal))
                count++;
        }
        return count;
    }

    /// <summary>Applies one message read from the XPUB socket: 1 then the topic to subscribe, 0 then the topic to drop.</summary>
    internal void Apply(byte[] message)
    {
        if (message.Length == 0 || message[0] > 1 || message.Length - 1 > MaxTopicBytes)
            return;
        var topic = Encoding.Latin1.GetString(message, 1, message.Length - 1);
        if (message[0] == 0)
            _topics.TryRemove(topic, out _);
        else if (_topics.Count < MaxTopics)
            _topics.TryAdd(topic, 0);
    }
}
