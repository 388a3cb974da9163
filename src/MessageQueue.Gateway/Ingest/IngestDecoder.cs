using System.Text;
using System.Text.Unicode;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// An ingested message, ready for the application service: the subject it goes to, the update's text, and the
/// idempotency key that makes a repeat of it stored once (a Pushpin item's id), if any.
/// </summary>
internal readonly record struct IngestMessage(string Subject, string Text, string? IdempotencyKey = null);

/// <summary>
/// Turns one source's ZeroMQ messages into updates, or says why not. The shapes taken: <c>[topic, payload]</c>; and one
/// frame, the payload, where the source has a fixed subject. A message of three frames or more is dropped whole:
/// keeping part of it would change its meaning unseen. With <c>Format=pushpin</c>, Pushpin's items instead
/// (IngestDecoder.Pushpin.cs).
/// </summary>
internal sealed partial class IngestDecoder(IngestSourceOptions source, SubjectValidator subjects, SubjectOptions limits)
{
    private readonly bool _base64 = source.IsBase64;
    private readonly bool _pushpin = source.IsPushpin;

    /// <summary>Base64 text must fit an update: the largest binary payload is the one whose base64 text does.</summary>
    private readonly int _maxPayloadBytes = source.IsBase64 ? limits.MaxUpdateBytes / 4 * 3 : limits.MaxUpdateBytes;

    /// <summary>The largest payload taken, in bytes (decoded, for base64).</summary>
    public int MaxPayloadBytes => _maxPayloadBytes;

    /// <param name="frames">The message's first frames (up to three are enough to judge it).</param>
    /// <param name="frameCount">How many frames the whole message had.</param>
    public bool TryDecode(List<byte[]> frames, int frameCount, out IngestMessage message, out IngestDrop drop, out string? detail)
    {
        if (_pushpin)
            return TryDecodePushpin(frames, frameCount, out message, out drop, out detail);
        message = default;
        detail = null;
        byte[] payload;
        string? subject = source.Subject is { Length: > 0 } fixedSubject ? fixedSubject : null;
        if (frameCount == 2)
        {
            payload = frames[1];
            if (subject is null && !TryMapTopic(frames[0], out subject, out drop, out detail))
                return false;
        }
        else if (frameCount == 1 && subject is not null)
        {
            payload = frames[0];
        }
        else
        {
            drop = IngestDrop.Frames;
            detail = $"{frameCount} frames";
            return false;
        }

        if (payload.Length == 0)
        {
            drop = IngestDrop.Empty;
            return false;
        }
        if (payload.Length > _maxPayloadBytes)
        {
            drop = IngestDrop.TooLarge;
            detail = $"{payload.Length} bytes, at most {_maxPayloadBytes}";
            return false;
        }
        if (!_base64 && !Utf8.IsValid(payload))
        {
            drop = IngestDrop.InvalidUtf8;
            return false;
        }
        message = new IngestMessage(subject!, _base64 ? Convert.ToBase64String(payload) : Encoding.UTF8.GetString(payload));
        drop = default;
        return true;
    }

    /// <summary>Topic-named subjects: the topic less StripTopicPrefix, after SubjectPrefix.</summary>
    private bool TryMapTopic(byte[] topicBytes, out string? subject, out IngestDrop drop, out string? detail)
    {
        subject = null;
        detail = null;
        if (!Utf8.IsValid(topicBytes))
        {
            drop = IngestDrop.InvalidUtf8;
            detail = "topic";
            return false;
        }
        return TryMapName(Encoding.UTF8.GetString(topicBytes), out subject, out drop, out detail);
    }

    /// <summary>A topic (or a Pushpin channel) as a subject name: less StripTopicPrefix, after SubjectPrefix, checked.</summary>
    private bool TryMapName(string topic, out string? subject, out IngestDrop drop, out string? detail)
    {
        subject = null;
        detail = null;
        if (source.StripTopicPrefix is { Length: > 0 } strip)
        {
            if (!topic.StartsWith(strip, StringComparison.Ordinal))
            {
                drop = IngestDrop.UnmatchedTopic;
                detail = Echo.Of(topic);
                return false;
            }
            topic = topic[strip.Length..];
        }
        var name = source.SubjectPrefix + topic;
        if (subjects.CheckName(name) is { } invalid)
        {
            drop = IngestDrop.BadSubject;
            detail = $"'{Echo.Of(name)}': {invalid.Message}";
            return false;
        }
        subject = name;
        drop = default;
        return true;
    }
}
