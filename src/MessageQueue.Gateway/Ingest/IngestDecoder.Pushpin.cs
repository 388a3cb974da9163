using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// Pushpin's ZeroMQ publish format (<c>Format=pushpin</c>), so that a service publishing to Pushpin can point at the
/// gateway instead: one frame, <c>J</c> + a JSON item naming its channel (what Pushpin's PULL input reads), or
/// <c>[channel, J + item]</c> (what its SUB input reads), taken by either kind of source. The channel names the subject
/// as a topic would; an <c>id</c> becomes the update's idempotency key, so a repeat is stored once.
/// </summary>
internal sealed partial class IngestDecoder
{
    private const byte JsonItem = (byte)'J';
    private const byte TnetstringItem = (byte)'T';

    private readonly string _keyPrefix = source.Origin + ":";

    private bool TryDecodePushpin(List<byte[]> frames, int frameCount, out IngestMessage message, out IngestDrop drop, out string? detail)
    {
        message = default;
        detail = null;
        string? frameChannel = null;
        if (frameCount == 2)
        {
            if (!Utf8.IsValid(frames[0]))
            {
                drop = IngestDrop.InvalidUtf8;
                detail = "channel frame";
                return false;
            }
            frameChannel = Encoding.UTF8.GetString(frames[0]);
        }
        else if (frameCount != 1)
        {
            drop = IngestDrop.Frames;
            detail = $"{frameCount} frames";
            return false;
        }
        var frame = frames[frameCount - 1];
        if (frame.Length == 0)
        {
            drop = IngestDrop.Empty;
            return false;
        }
        if (frame[0] == TnetstringItem)
        {
            drop = IngestDrop.Tnetstring;
            return false;
        }
        if (frame[0] != JsonItem)
        {
            drop = IngestDrop.BadItem;
            detail = "neither J (JSON) nor T (tnetstring) first";
            return false;
        }
        if (!PushpinItem.TryParse(frame.AsMemory(1), out var item, out var error))
        {
            drop = IngestDrop.BadItem;
            detail = error;
            return false;
        }
        return TryTake(item, frameChannel, out message, out drop, out detail);
    }

    private bool TryTake(PushpinItem item, string? frameChannel, out IngestMessage message, out IngestDrop drop, out string? detail)
    {
        message = default;
        detail = null;
        // The channel frame is what a SUB filtered on: an item naming another channel is contradictory, not guessed at.
        if (frameChannel is { Length: > 0 } && item.Channel is { Length: > 0 } && item.Channel != frameChannel)
        {
            drop = IngestDrop.BadItem;
            detail = $"channel '{Echo.Of(item.Channel)}' in the item, '{Echo.Of(frameChannel)}' in the channel frame";
            return false;
        }
        var channel = frameChannel is { Length: > 0 } ? frameChannel : item.Channel;
        if (string.IsNullOrEmpty(channel))
        {
            drop = IngestDrop.NoChannel;
            return false;
        }
        if (!item.HasContent)
        {
            drop = IngestDrop.NoContent;
            return false;
        }
        string? subject = source.Subject is { Length: > 0 } fixedSubject ? fixedSubject : null;
        if (subject is null && !TryMapName(channel, out subject, out drop, out detail))
            return false;
        if (!TryContentText(item, out var text, out drop, out detail))
            return false;
        message = new IngestMessage(subject!, text, item.Id is { } id ? IdempotencyKey(channel, id) : null);
        return true;
    }

    /// <summary>The update's text from the item's content: its size checked as a plain payload's, base64 kept or made per Payload.</summary>
    private bool TryContentText(PushpinItem item, out string text, out IngestDrop drop, out string? detail)
    {
        text = "";
        detail = null;
        var bytes = item.Bytes ?? Encoding.UTF8.GetBytes(item.Text!);
        if (bytes.Length == 0)
        {
            drop = IngestDrop.Empty;
            return false;
        }
        if (bytes.Length > _maxPayloadBytes)
        {
            drop = IngestDrop.TooLarge;
            detail = $"{bytes.Length} bytes of content, at most {_maxPayloadBytes}";
            return false;
        }
        if (!_base64 && item.Bytes is not null && !Utf8.IsValid(bytes))
        {
            drop = IngestDrop.InvalidUtf8;
            detail = "content-bin";
            return false;
        }
        text = _base64 ? Convert.ToBase64String(bytes) : item.Text ?? Encoding.UTF8.GetString(bytes);
        drop = default;
        return true;
    }

    /// <summary>
    /// <c>zmq-ingest:&lt;source&gt;:</c> + the SHA-256 of channel and id in base64url (43 characters): any channel and
    /// id fit the store's 128 characters with the longest source name, and one source's ids never meet another's.
    /// </summary>
    private string IdempotencyKey(string channel, string id)
    {
        var channelBytes = Encoding.UTF8.GetBytes(channel);
        var input = new byte[4 + channelBytes.Length + Encoding.UTF8.GetByteCount(id)];
        BinaryPrimitives.WriteInt32BigEndian(input, channelBytes.Length); // length first: ("ab", "c") and ("a", "bc") differ
        channelBytes.CopyTo(input, 4);
        Encoding.UTF8.GetBytes(id, input.AsSpan(4 + channelBytes.Length));
        return _keyPrefix + Base64Url.EncodeToString(SHA256.HashData(input));
    }
}
