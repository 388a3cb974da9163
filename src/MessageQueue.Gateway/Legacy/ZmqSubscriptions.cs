using System.Collections.Concurrent;
using System.Text;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// The topics legacy SUB clients hold, as the XPUB socket reports them: every subscription (verbose mode), and an
/// unsubscription when the last holder of a topic drops it or disconnects. NetMQ reports no unsubscription while
/// other holders remain, so a topic's count falls to zero only when its last holder leaves.
/// </summary>
public sealed class ZmqSubscriptions
{
    /// <summary>Beyond this many distinct topics new ones are not counted (they are still served): bounds memory.</summary>
    private const int MaxTopics = 1024;

    private readonly ConcurrentDictionary<string, int> _holders = new(StringComparer.Ordinal);

    /// <summary>Subscriptions held over all topics.</summary>
    public int Total => _holders.Values.Sum();

    /// <summary>Subscriptions that receive this subject's publications ("&lt;subject&gt; &lt;content&gt;"): a prefix of
    /// "&lt;subject&gt; " (the empty topic included) or a longer topic that starts with it.</summary>
    public int CountFor(string subject)
    {
        var frameStart = subject + " ";
        var count = 0;
        foreach (var (topic, holders) in _holders)
        {
            if (frameStart.StartsWith(topic, StringComparison.Ordinal) || topic.StartsWith(frameStart, StringComparison.Ordinal))
                count += holders;
        }
        return count;
    }

    /// <summary>Applies one message read from the XPUB socket: 1 then the topic to subscribe, 0 then the topic to drop.</summary>
    internal void Apply(byte[] message)
    {
        if (message.Length == 0 || message[0] > 1)
            return;
        var topic = Encoding.UTF8.GetString(message, 1, message.Length - 1);
        if (message[0] == 0)
            _holders.TryRemove(topic, out _);
        else if (_holders.ContainsKey(topic) || _holders.Count < MaxTopics)
            _holders.AddOrUpdate(topic, 1, static (_, count) => count + 1);
    }
}
