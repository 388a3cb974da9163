using MessageQueue.Client.Connection;

namespace MessageQueue.Client.Protocol;

/// <summary>
/// The four legacy requests as methods. Success returns; a refusal throws <see cref="ServerRefusal"/>, no reply
/// throws <see cref="NoReply"/>, an input caught before sending throws <see cref="InvalidInput"/>.
/// </summary>
internal sealed class LegacyClient(string serverEndpoint, TimeSpan timeout, CurveKeys? curve = null) : IDisposable
{
    // Only listing is retried: it changes nothing. A repeated post could appear twice, a repeated subscribe
    // registers the email twice on the original server.
    private const int ListAttempts = 3;

    private readonly LazyPirateRequester _requester = new(serverEndpoint, curve);

    public string ServerEndpoint => serverEndpoint;

    /// <summary>The CurveZMQ keys its sockets use, for the update listener to use too; null when plain.</summary>
    public CurveKeys? Curve => curve;

    public IReadOnlyList<string> ListSubjects()
    {
        var reply = _requester.Request(LegacyRequests.ListSubjects(), timeout, ListAttempts);
        return LegacyReplies.ReadSubjectList(reply) ?? throw new ServerRefusal(reply);
    }

    /// <summary>Registers the email on the subject and returns the subject's current content.</summary>
    public string Subscribe(string subject, string email)
    {
        if (!EmailAddress.IsValid(email))
            throw new InvalidInput($"'{email}' is not a valid email address.");
        var (accepted, data) = LegacyReplies.ReadSubscribeReply(_requester.Request(LegacyRequests.Subscribe(subject, email), timeout));
        return accepted ? data : throw new ServerRefusal(data);
    }

    public void Publish(string subject, string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidInput("An update needs some text.");
        ExpectSuccess(_requester.Request(LegacyRequests.Publish(subject, text), timeout));
    }

    /// <summary>Unregisters the email; <paramref name="timeoutOverride"/> allows a shorter wait, for quitting promptly.</summary>
    public void Unsubscribe(string subject, string email, TimeSpan? timeoutOverride = null) =>
        ExpectSuccess(_requester.Request(LegacyRequests.Unsubscribe(subject, email), timeoutOverride ?? timeout));

    public void Dispose() => _requester.Dispose();

    private static void ExpectSuccess(string reply)
    {
        if (reply != LegacyReplies.Success)
            throw new ServerRefusal(reply);
    }
}
