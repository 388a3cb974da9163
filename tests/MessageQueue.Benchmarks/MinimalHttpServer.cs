using System.Collections.Frozen;
using System.Runtime;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The ASP.NET Core ceiling for the REST scenarios ("minimal-server --http"): Kestrel and minimal API endpoints on
/// the gateway's routes with its JSON shapes, fixed answers, nothing stored and nothing published.
/// </summary>
internal static class MinimalHttpServer
{
    public const string Mode = "--http";

    // The shape of the gateway's list (name, lastSequence, lastUpdatedAt, emailCount), as a fresh gateway answers it.
    private static readonly SubjectRow[] Subjects = [.. DefaultSubjects.All.Select(s => new SubjectRow(s.Name, 0, null, 0))];
    private static readonly FrozenSet<string> Names = Subjects.Select(s => s.Name).ToFrozenSet(StringComparer.Ordinal);

    public static int Run()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();

        var subjects = app.MapGroup("/api/subjects");
        subjects.MapGet("/", () => TypedResults.Ok(Subjects));
        subjects.MapPost("/{subject}/updates", PostUpdate);
        subjects.MapPost("/{subject}/subscriptions", RegisterEmail);
        subjects.MapDelete("/{subject}/subscriptions/{email}", UnregisterEmail);

        MinimalServer.ExitWithParent();
        app.Start();
        // The line the benchmark waits for; Kestrel has replaced port 0 by the bound one.
        Console.WriteLine($"Minimal HTTP server (server GC: {GCSettings.IsServerGC}) listening on {app.Urls.First()}");
        app.WaitForShutdown();
        return 0;
    }

    private static Results<Created<UpdateRow>, NotFound> PostUpdate(string subject, TextBody body) =>
        Names.Contains(subject)
            ? TypedResults.Created($"/api/subjects/{subject}/updates/0", new UpdateRow(subject, 0, body.Text))
            : TypedResults.NotFound();

    private static Results<Created<EmailRow>, NotFound> RegisterEmail(string subject, EmailBody body) =>
        Names.Contains(subject)
            ? TypedResults.Created($"/api/subjects/{subject}/subscriptions/{Uri.EscapeDataString(body.Email ?? "")}", new EmailRow(subject, body.Email))
            : TypedResults.NotFound();

    private static Results<NoContent, NotFound> UnregisterEmail(string subject, string email) =>
        Names.Contains(subject) && email.Length > 0 ? TypedResults.NoContent() : TypedResults.NotFound();

    private sealed record SubjectRow(string Name, long LastSequence, DateTimeOffset? LastUpdatedAt, int EmailCount);

    private sealed record TextBody(string? Text);

    private sealed record UpdateRow(string Subject, long Sequence, string? Text);

    private sealed record EmailBody(string? Email);

    private sealed record EmailRow(string Subject, string? Email);
}
