using System.Text.Json;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// One decoded legacy request: a JSON object whose "type" is a string. <see cref="Problem"/> says what was wrong
/// with it, if anything; <see cref="Type"/> is kept even then so the reply can take that type's error shape.
/// </summary>
internal sealed record LegacyRequest(string? Type, string? Email, string? Subject, string? UpdateMessage, string? Problem)
{
    public static LegacyRequest Invalid(string problem, string? type = null) => new(type, null, null, null, problem);

    /// <summary>Decodes a request frame. Never throws: anything malformed comes back with a <see cref="Problem"/>.</summary>
    public static LegacyRequest Decode(ReadOnlySpan<byte> frame)
    {
        string? type = null, email = null, subject = null, updateMessage = null, problem = null;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return Invalid("The request is not a JSON object.");

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueTextEquals("type"u8) ? 't'
                    : reader.ValueTextEquals("email"u8) ? 'e'
                    : reader.ValueTextEquals("subject"u8) ? 's'
                    : reader.ValueTextEquals("updateMessage"u8) ? 'u'
                    : '\0';
                var name = field == '\0' ? null : reader.GetString();
                reader.Read();
                if (field == '\0')
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.String)
                {
                    problem ??= $"'{name}' must be a string.";
                    reader.Skip();
                    continue;
                }
                if (field == 't')
                {
                    type = KnownType(ref reader) ?? reader.GetString();
                    continue;
                }
                var value = reader.GetString();
                switch (field)
                {
                    case 'e': email = value; break;
                    case 's': subject = value; break;
                    default: updateMessage = value; break;
                }
            }

            // Read to the end so trailing garbage after the object is refused too.
            while (reader.Read())
            {
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // JsonException: malformed JSON; InvalidOperationException: a string that is not valid UTF-8.
            return Invalid("The request is not valid UTF-8 JSON.", type);
        }
        return new LegacyRequest(type, email, subject, updateMessage, problem);
    }

    /// <summary>The four request types without allocating a string for each request: "1" is the hot path.</summary>
    private static string? KnownType(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("1"u8) ? "1"
        : reader.ValueTextEquals("2"u8) ? "2"
        : reader.ValueTextEquals("3"u8) ? "3"
        : reader.ValueTextEquals("4"u8) ? "4"
        : null;

    /// <summary>Best-effort look at the "type" of a frame too large to decode in full, for the error's shape.</summary>
    public static string? PeekType(ReadOnlySpan<byte> frame)
    {
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("type"u8);
                reader.Read();
                if (isType)
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
        }
        return null;
    }
}
