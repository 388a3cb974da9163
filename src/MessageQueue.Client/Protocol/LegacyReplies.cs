using System.Text.Json;
using System.Text.RegularExpressions;

namespace MessageQueue.Client.Protocol;

/// <summary>Reads the reply frames of the legacy protocol; anything unexpected counts as a refusal.</summary>
internal static partial class LegacyReplies
{
    public const string Success = "isSuccess";

    /// <summary>"[SpringBoot] [NodeJs]" to its names; null when the reply is not a list (an error text).</summary>
    public static IReadOnlyList<string>? ReadSubjectList(string reply)
    {
        if (reply.Length == 0)
            return [];
        var names = BracketedName().Matches(reply).Select(m => m.Groups[1].Value).ToList();
        return names.Count > 0 ? names : null;
    }

    /// <summary>The "data" of a subscribe reply and whether "isValid" said success.</summary>
    public static (bool Accepted, string Data) ReadSubscribeReply(string reply)
    {
        try
        {
            using var json = JsonDocument.Parse(reply);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.String
                && root.TryGetProperty("isValid", out var isValid) && isValid.ValueKind == JsonValueKind.String)
                return (isValid.GetString() == Success, data.GetString()!);
        }
        catch (JsonException)
        {
            // Not the JSON shape: show the server's text as it is.
        }
        return (false, reply);
    }

    [GeneratedRegex(@"\[([^\]\s]+)\]")]
    private static partial Regex BracketedName();
}
