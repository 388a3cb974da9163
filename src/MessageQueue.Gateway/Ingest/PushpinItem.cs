using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// What the gateway reads of one item of Pushpin's publish format (the JSON after the <c>J</c>): its channel, its id,
/// and the one content it takes. <c>prev-id</c>, <c>meta</c> and the formats' other fields (headers, codes, actions)
/// are not read: an update is one text.
/// </summary>
/// <param name="Channel">The item's <c>channel</c>, or null when it has none.</param>
/// <param name="Id">The item's <c>id</c>, or null when it has none.</param>
/// <param name="Text">The content when given as text (<c>content</c>, <c>body</c>).</param>
/// <param name="Bytes">The content when given as base64 (<c>content-bin</c>, <c>body-bin</c>), decoded.</param>
internal sealed record PushpinItem(string? Channel, string? Id, string? Text, byte[]? Bytes)
{
    /// <summary>Items are flat (formats, and a format's headers, nest a few levels at most): a deeper one is refused, not walked.</summary>
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16, AllowDuplicateProperties = false };

    /// <summary>The formats in the order their content is taken, with their text and base64 fields.</summary>
    private static readonly (string Format, string Text, string Binary)[] Formats =
        [("ws-message", "content", "content-bin"), ("http-stream", "content", "content-bin"), ("http-response", "body", "body-bin")];

    /// <summary>Whether the item carries a content (text or bytes) in one of the formats read.</summary>
    public bool HasContent => Text is not null || Bytes is not null;

    /// <summary>Reads an item; false, with why, when it is not JSON, not an object, or a field read has the wrong type.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> json, [NotNullWhen(true)] out PushpinItem? item, [NotNullWhen(false)] out string? error)
    {
        item = null;
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"a JSON {root.ValueKind}, not an object";
                return false;
            }
            if (!TryGetString(root, "channel", out var channel, out error) || !TryGetString(root, "id", out var id, out error))
                return false;

            // As Pushpin does, an item without "formats" may carry them at its top level.
            var formats = root.TryGetProperty("formats", out var listed) ? listed : root;
            if (formats.ValueKind != JsonValueKind.Object)
            {
                error = "\"formats\" is not an object";
                return false;
            }
            string? text = null;
            byte[]? bytes = null;
            foreach (var (name, textField, binaryField) in Formats)
            {
                if (!formats.TryGetProperty(name, out var format))
                    continue;
                if (format.ValueKind != JsonValueKind.Object)
                {
                    error = $"\"{name}\" is not an object";
                    return false;
                }
                // As Pushpin does, the base64 field is taken before the text one when both are there.
                if (format.TryGetProperty(binaryField, out var binary))
                {
                    if (binary.ValueKind != JsonValueKind.String || !binary.TryGetBytesFromBase64(out bytes))
                    {
                        error = $"\"{name}\".\"{binaryField}\" is not base64 text";
                        return false;
                    }
                    break;
                }
                if (!TryGetString(format, textField, out text, out error))
                    return false;
                if (text is not null)
                    break; // a format without content (a close action, say) leaves the next one its turn
            }
            item = new PushpinItem(channel, id, text, bytes);
            error = null;
            return true;
        }
        catch (JsonException ex)
        {
            error = $"not JSON ({ex.Message})";
            return false;
        }
        catch (InvalidOperationException ex) // a string whose escapes are not valid UTF-16, such as a lone surrogate
        {
            error = ex.Message;
            return false;
        }
    }

    private static bool TryGetString(JsonElement parent, string name, out string? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        error = null;
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"\"{name}\" is not a string";
            return false;
        }
        value = element.GetString();
        return true;
    }
}
