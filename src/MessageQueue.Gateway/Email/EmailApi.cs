using System.Net;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Storage;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MessageQueue.Gateway.Email;

/// <summary>The links in mails (confirm, unsubscribe) and the outbox's state.</summary>
public static class EmailApi
{
    public static RouteGroupBuilder MapEmailApi(this IEndpointRouteBuilder app)
    {
        var email = app.MapGroup("/api/email").WithTags("Email");
        // The link endpoints answer people, in HTML.
        email.MapGet("/confirm", Confirm).WithName(nameof(Confirm)).AnswersPages(200, 400, 404);
        email.MapGet("/unsubscribe", AskToUnsubscribe).WithName(nameof(AskToUnsubscribe)).AnswersPages(200, 400);
        email.MapPost("/unsubscribe", Unsubscribe).WithName(nameof(Unsubscribe)).AnswersPages(200, 400, 503);
        email.MapGet("/outbox", Outbox).WithName(nameof(Outbox)).Needs(ApiPolicies.Administer);
        return email;
    }

    /// <summary>Confirms a registration from the link in its confirmation mail.</summary>
    /// <remarks>Answers a small HTML page: a person follows this link from a mail. A forged or altered token is refused (400).</remarks>
    /// <param name="token">The signed token from the mail.</param>
    internal static async Task<ContentHttpResult> Confirm(string? token, EmailTokens tokens, SubjectService subjects)
    {
        if (tokens.Read(token, EmailTokenPurpose.Confirm) is not { } link)
            return Page(StatusCodes.Status400BadRequest, "This link is not valid", "It may have been altered or cut short. Register again to get a new one.");
        var result = await subjects.ConfirmEmailAsync(link.Subject, link.Email);
        return result.Succeeded
            ? Page(StatusCodes.Status200OK, "Subscription confirmed", $"{link.Email} now receives the updates of {link.Subject}.")
            : Page(StatusCodes.Status404NotFound, "Nothing to confirm", $"{link.Email} is no longer registered on {link.Subject}.");
    }

    /// <summary>Shows a page that asks before unsubscribing (mail scanners follow links; a GET changes nothing).</summary>
    /// <remarks>Its button posts to the same URL, as a mail client's one-click unsubscribe does (RFC 8058).</remarks>
    /// <param name="token">The signed token from the mail.</param>
    internal static ContentHttpResult AskToUnsubscribe(string? token, EmailTokens tokens)
    {
        if (tokens.Read(token, EmailTokenPurpose.Unsubscribe) is not { } link)
            return Page(StatusCodes.Status400BadRequest, "This link is not valid", "It may have been altered or cut short.");
        return Page(StatusCodes.Status200OK, "Unsubscribe?", $"Stop sending the updates of {link.Subject} to {link.Email}?",
            $"""<form method="post"><button type="submit">Unsubscribe</button></form>""");
    }

    /// <summary>Removes the registration named by a signed token: the one-click unsubscribe of RFC 8058, no login.</summary>
    /// <remarks>Mail clients post <c>List-Unsubscribe=One-Click</c> here; the body is not needed. Unsubscribing twice is harmless.</remarks>
    /// <param name="token">The signed token from the mail.</param>
    internal static async Task<ContentHttpResult> Unsubscribe(string? token, EmailTokens tokens, SubjectService subjects)
    {
        if (tokens.Read(token, EmailTokenPurpose.Unsubscribe) is not { } link)
            return Page(StatusCodes.Status400BadRequest, "This link is not valid", "It may have been altered or cut short.");
        var result = await subjects.UnregisterEmailAsync(link.Subject, link.Email);
        return result.Succeeded || result.Error!.Kind is SubjectErrorKind.EmailNotRegistered or SubjectErrorKind.SubjectNotFound
            ? Page(StatusCodes.Status200OK, "Unsubscribed", $"{link.Email} no longer receives the updates of {link.Subject}.")
            : Page(StatusCodes.Status503ServiceUnavailable, "Please try again", "The gateway could not take the change just now.");
    }

    /// <summary>The email outbox: mails waiting, retrying, sent and parked.</summary>
    /// <remarks>Confirmations not yet turned into a mail, and registrations whose updates wait for their next mail, count in <c>awaitingExpansion</c>.</remarks>
    internal static async Task<Ok<OutboxState>> Outbox(IDbContextFactory<MessageQueueDbContext> contextFactory, CancellationToken cancellationToken)
    {
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        var byState = await db.Deliveries.GroupBy(d => d.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var retrying = await db.Deliveries.CountAsync(d => (d.State == DeliveryState.Pending || d.State == DeliveryState.Unconfirmed) && d.Attempts > 0, cancellationToken);
        var awaiting = await db.Notifications.CountAsync(n => n.ExpandedAt == null, cancellationToken)
            + await db.RegistrationsAwaitingMail().CountAsync(cancellationToken);
        int Count(DeliveryState state) => byState.FirstOrDefault(s => s.Key == state)?.Count ?? 0;
        return TypedResults.Ok(new OutboxState(awaiting, Count(DeliveryState.Pending) + Count(DeliveryState.Unconfirmed), retrying, Count(DeliveryState.Sent), Count(DeliveryState.Parked)));
    }

    private static RouteHandlerBuilder AnswersPages(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses)
            endpoint.Produces<string>(status, "text/html");
        return endpoint;
    }

    private static ContentHttpResult Page(int status, string title, string message, string extra = "") =>
        TypedResults.Content($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{WebUtility.HtmlEncode(title)} - MessageQueue</title><link rel="stylesheet" href="/css/page.css"></head>
            <body>
            <h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(message)}</p>{extra}
            </body></html>
            """, "text/html; charset=utf-8", statusCode: status);
}

/// <summary>The outbox at a glance.</summary>
/// <param name="AwaitingExpansion">Confirmations not yet turned into a mail, and registrations whose updates wait for their next mail.</param>
/// <param name="Pending">Mails waiting to be sent, retries included (and mails waiting for their one resend after an unknown outcome).</param>
/// <param name="Retrying">Pending mails that failed at least once.</param>
/// <param name="Sent">Mails the server accepted.</param>
/// <param name="Parked">Mails given up on; the log and the store say why.</param>
public sealed record OutboxState(int AwaitingExpansion, int Pending, int Retrying, int Sent, int Parked);
