using System.Text.Json;

namespace MessageQueue.Client.Protocol;

/// <summary>The request frames of the legacy protocol: a JSON object whose "type" is a string.</summary>
internal static class LegacyRequests
{
    public static string ListSubjects() => JsonSerializer.Serialize(new { type = "1" });

    public static string Subscribe(string subject, string email) => JsonSerializer.Serialize(new { type = "2", email, subject });

    public static string Publish(string subject, string text) => JsonSerializer.Serialize(new { type = "3", subject, updateMessage = text });

    public static string Unsubscribe(string subject, string email) => JsonSerializer.Serialize(new { type = "4", subject, email });
}
