namespace MessageQueue.Client.Updates;

/// <summary>One publication: the topic is the first space-separated word, the message the rest (the whole content).</summary>
internal sealed record SubjectUpdate(string Subject, string Content)
{
    public static SubjectUpdate Parse(string frame)
    {
        var space = frame.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? new(frame, "") : new(frame[..space], frame[(space + 1)..]);
    }

    /// <summary>How both the menu and <c>watch</c> show an update.</summary>
    public override string ToString() => $"[{Subject}] {Content}";
}
