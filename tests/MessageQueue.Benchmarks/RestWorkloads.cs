using System.Net;
using System.Text;
using System.Text.Json;

namespace MessageQueue.Benchmarks;

/// <summary>What each REST load client sends, by client index: the same work as <see cref="Workloads"/>, over HTTP.</summary>
internal static class RestWorkloads
{
    public const string SubjectsPath = "/api/subjects";

    /// <summary>GET /api/subjects: a JSON array of every subject, the first of them SpringBoot on both servers.</summary>
    public static Func<int, IReadOnlyList<HttpExchange>> List { get; } = _ =>
    [
        new(HttpMethod.Get, SubjectsPath, null, HttpStatusCode.OK, Encoding.UTF8.GetBytes($$"""[{"name":"{{LegacyFrames.Subjects[0]}}","""))
    ];

    /// <summary>POST updates going round the given subjects, each client starting on a different one.</summary>
    public static Func<int, IReadOnlyList<HttpExchange>> Updates(IReadOnlyList<string> subjects) =>
        client => [.. Workloads.RoundFrom(subjects, client).Select(subject => Update(subject, Workloads.UpdateText))];

    /// <summary>Each client registers and unregisters its own email on every subject: the store, but no content growth.</summary>
    public static Func<int, IReadOnlyList<HttpExchange>> EmailChurn { get; } =
        client => [.. Workloads.RoundFrom(LegacyFrames.Subjects, client).SelectMany(subject => new HttpExchange[]
        {
            new(HttpMethod.Post, $"{SubjectsPath}/{subject}/subscriptions", Json(new { email = Email(client) }), HttpStatusCode.Created, ReplyStart(subject)),
            new(HttpMethod.Delete, $"{SubjectsPath}/{subject}/subscriptions/{Uri.EscapeDataString(Email(client))}", null, HttpStatusCode.NoContent, []),
        })];

    public static Func<int, IReadOnlyList<HttpExchange>> For(RequestKind kind) => kind switch
    {
        RequestKind.RestList => List,
        RequestKind.RestUpdate => Updates(LegacyFrames.Subjects),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a REST request."),
    };

    /// <summary>POST /api/subjects/{subject}/updates with {"text": ...}: 201 and the stored update, which names its subject first.</summary>
    public static HttpExchange Update(string subject, string text) =>
        new(HttpMethod.Post, $"{SubjectsPath}/{subject}/updates", Json(new { text }), HttpStatusCode.Created, ReplyStart(subject));

    private static byte[] ReplyStart(string subject) => Encoding.UTF8.GetBytes($$"""{"subject":"{{subject}}",""");

    private static string Email(int client) => $"bench{client}@example.com";

    private static byte[] Json<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value);
}
