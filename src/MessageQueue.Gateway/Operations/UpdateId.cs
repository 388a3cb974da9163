using System.Globalization;

namespace MessageQueue.Gateway.Operations;

/// <summary>
/// The correlation id of one accepted update in every log line about it: at its door, in the fan-out and in the mails
/// sent for it, e.g. <c>7-12</c> (subject id 7, sequence 12). Derived, never stored: the outbox rows keep the subject
/// id and the sequence, so the sender writes the same id long after the door. The subject's id rather than its name:
/// a subject deleted and created again under the same name starts its sequence over with a new id.
/// </summary>
/// <remarks>A struct, so a log call that is disabled formats and allocates nothing.</remarks>
public readonly record struct UpdateId(int SubjectId, long Sequence) : ISpanFormattable
{
    public override string ToString() => ToString(null, CultureInfo.InvariantCulture);

    public string ToString(string? format, IFormatProvider? formatProvider) =>
        string.Create(CultureInfo.InvariantCulture, $"{SubjectId}-{Sequence}");

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider) =>
        destination.TryWrite(CultureInfo.InvariantCulture, $"{SubjectId}-{Sequence}", out charsWritten);
}
