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
        email.MapGet("/preferences", Preferences).WithName(nameof(Preferences)).AnswersPages(200, 400);
        email.MapPost("/preferences", ChangePreferences).WithName(nameof(ChangePreferences)).AnswersPages(303, 400, 503);
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

    /// <summary>The address's mail settings: each subject it is registered on, how often it hears of it, unsubscribe.</summary>
    /// <remarks>
    /// Reached from the link in every update mail (a signed token naming the address, valid Email:PreferencesLinkDays).
    /// Plain HTML forms that work without JavaScript; each posts back here.
    /// </remarks>
    /// <param name="token">The signed token from the mail.</param>
    /// <param name="done">What the last change did (saved, unsubscribed), to say so on the page.</param>
    /// <param name="subject">The subject the last change was about.</param>
    internal static async Task<ContentHttpResult> Preferences(string? token, string? done, string? subject, EmailTokens tokens, IDbContextFactory<MessageQueueDbContext> contextFactory,
        Microsoft.Extensions.Options.IOptions<EmailOptions> options, CancellationToken cancellationToken)
    {
        if (tokens.ReadPreferences(token, out var expired) is not { } address)
            return InvalidPreferencesLink(expired);
        var registrations = await RegistrationsOfAsync(contextFactory, address, cancellationToken);
        return Page(StatusCodes.Status200OK, "Your mail", $"What {address} hears of, and how often.",
            PreferencesPage.Render(registrations, options.Value, done, subject));
    }

    /// <summary>Applies one form of the settings page: a subject's mode, unsubscribing from one subject, or from all.</summary>
    /// <remarks>Answers 303 to the page again (post, redirect, get), which then says what was done.</remarks>
    /// <param name="token">The signed token from the mail.</param>
    internal static async Task<IResult> ChangePreferences(string? token, HttpRequest request, EmailTokens tokens, SubjectService subjects,
        IDbContextFactory<MessageQueueDbContext> contextFactory, CancellationToken cancellationToken)
    {
        if (tokens.ReadPreferences(token, out var expired) is not { } address)
            return InvalidPreferencesLink(expired);
        if (!request.HasFormContentType)
            return Page(StatusCodes.Status400BadRequest, "Nothing to change", "The page's forms send what to change.");
        var form = await request.ReadFormAsync(cancellationToken);
        string subject = form["subject"].ToString(), action = form["action"].ToString();
        var outcome = action switch
        {
            // An unticked box is sent as nothing: the form always holds it, so nothing means false.
            "save" => (await subjects.SetMailModeAsync(subject, address, form["mode"].ToString(), form["mailEvenWhenSeen"] == "true")).Error,
            "unsubscribe" => (await subjects.UnregisterEmailAsync(subject, address)).Error,
            "unsubscribe-all" => await UnregisterEverywhereAsync(subjects, address, await RegistrationsOfAsync(contextFactory, address, cancellationToken)),
            _ => new SubjectError(SubjectErrorKind.Invalid, "The form did not say what to do.", "action"),
        };
        if (outcome is { Kind: SubjectErrorKind.Unavailable })
            return Page(StatusCodes.Status503ServiceUnavailable, "Please try again", "The gateway could not take the change just now.");
        if (outcome is not null && outcome.Kind is not (SubjectErrorKind.EmailNotRegistered or SubjectErrorKind.SubjectNotFound))
            return Page(StatusCodes.Status400BadRequest, "Nothing changed", outcome.Message);
        // Unsubscribing from what is already gone is done all the same.
        var done = action == "save" ? "saved" : "unsubscribed";
        return new SeeOther($"/api/email/preferences?token={Uri.EscapeDataString(token!)}&done={done}&subject={Uri.EscapeDataString(subject)}");
    }

    /// <summary>303: the browser gets the page again rather than posting twice on a reload.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }

    private static ContentHttpResult InvalidPreferencesLink(bool expired) => expired
        ? Page(StatusCodes.Status400BadRequest, "This link has expired", "Links to your mail settings last a while only; the next mail brings a new one.")
        : Page(StatusCodes.Status400BadRequest, "This link is not valid", "It may have been altered or cut short.");

    private static async Task<SubjectError?> UnregisterEverywhereAsync(SubjectService subjects, string address, IReadOnlyList<PreferencesPage.Registration> registrations)
    {
        foreach (var registration in registrations)
        {
            if ((await subjects.UnregisterEmailAsync(registration.Subject, address)).Error is { Kind: not (SubjectErrorKind.EmailNotRegistered or SubjectErrorKind.SubjectNotFound) } error)
                return error;
        }
        return null;
    }

    private static async Task<List<PreferencesPage.Registration>> RegistrationsOfAsync(IDbContextFactory<MessageQueueDbContext> contextFactory, string address, CancellationToken cancellationToken)
    {
        var normalized = SubjectValidator.NormalizeEmail(address);
        await using var db = await contextFactory.CreateDbContextAsync(cancellationToken);
        return await (
            from registration in db.Subscriptions.AsNoTracking()
            where registration.NormalizedEmail == normalized
            join subject in db.Subjects on registration.SubjectId equals subject.Id
            orderby subject.Name
            select new PreferencesPage.Registration(subject.Name, registration.Mode, registration.ConfirmedAt != null, registration.MailEvenWhenSeen))
            .ToListAsync(cancellationToken);
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
        var digests = await db.RegistrationsAwaitingMail().CountAsync(s => s.Mode == MailMode.Digest, cancellationToken);
        int Count(DeliveryState state) => byState.FirstOrDefault(s => s.Key == state)?.Count ?? 0;
        return TypedResults.Ok(new OutboxState(awaiting, Count(DeliveryState.Pending) + Count(DeliveryState.Unconfirmed), retrying, Count(DeliveryState.Sent),
            Count(DeliveryState.Parked), digests));
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
            <body><main>
            <h1>{WebUtility.HtmlEncode(title)}</h1><p>{WebUtility.HtmlEncode(message)}</p>{extra}
            </main></body></html>
            """, "text/html; charset=utf-8", statusCode: status);
}

/// <summary>The outbox at a glance.</summary>
/// <param name="AwaitingExpansion">Confirmations not yet turned into a mail, and registrations whose updates wait for their next mail.</param>
/// <param name="Pending">Mails waiting to be sent, retries included (and mails waiting for their one resend after an unknown outcome).</param>
/// <param name="Retrying">Pending mails that failed at least once.</param>
/// <param name="Sent">Mails the server accepted.</param>
/// <param name="Parked">Mails given up on; the log and the store say why.</param>
/// <param name="DigestsWaiting">Of the registrations waiting for their next mail, those in digest mode.</param>
public sealed record OutboxState(int AwaitingExpansion, int Pending, int Retrying, int Sent, int Parked, int DigestsWaiting);
