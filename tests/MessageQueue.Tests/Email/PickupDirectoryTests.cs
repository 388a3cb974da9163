using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using MimeKit;

namespace MessageQueue.Tests.Email;

/// <summary>With no SMTP server configured, every mail lands as an .eml file in the pickup folder: the embedded default.</summary>
public sealed class PickupDirectoryTests : IDisposable
{
    private readonly GatewayFactory _gateway = new(null, new Dictionary<string, string?> { ["Email:ConfirmSubscriptions"] = "false" });

    [Fact]
    public async Task AnUpdateIsMailedToEveryRegisteredAddressAsFilesInThePickupFolder()
    {
        using var http = _gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http, "Initial content.");
        foreach (var email in new[] { "ada@example.com", "bob@example.org" })
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email }), HttpStatusCode.Created);

        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "Fresh news" }), HttpStatusCode.Created);

        var mails = await WaitForFilesAsync(Path.Combine(_gateway.DataDirectory, "mail"), 2);
        Assert.Equal(["ada@example.com", "bob@example.org"], mails.Select(m => m.To.Mailboxes.Single().Address).Order());
        foreach (var mail in mails)
        {
            Assert.Equal($"Pub-Sub System update content - {name}", mail.Subject);
            Assert.Matches($@"^Update your subscribe subject!\nSubject : \[{System.Text.RegularExpressions.Regex.Escape(name)}\]\n\nUpdate 1, [0-9: -]+ UTC, from rest:\nFresh news\n", mail.TextBody!.ReplaceLineEndings("\n"));
            Assert.NotNull(mail.Headers["List-Unsubscribe"]);
        }
    }

    [Fact]
    public async Task DeletingASubjectTakesItsPendingMailsWithIt()
    {
        using var http = _gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "eve@example.com" }), HttpStatusCode.Created);
        for (var i = 0; i < 20; i++)
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" }), HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/subjects/{name}")).StatusCode);

        // Whatever was not sent yet is gone, not stuck as pending forever.
        var outbox = default(System.Text.Json.JsonElement);
        await Poll.UntilAsync(async () =>
        {
            outbox = await ApiAssert.Json(await http.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
            return outbox.GetProperty("pending").GetInt32() == 0 && outbox.GetProperty("awaitingExpansion").GetInt32() == 0;
        }, () => $"The outbox kept {outbox} after the subject was deleted.");
    }

    private static async Task<List<MimeMessage>> WaitForFilesAsync(string directory, int count)
    {
        await Poll.UntilAsync(() => Directory.Exists(directory) && Directory.GetFiles(directory, "*.eml").Length >= count,
            () => "The mails never reached the pickup folder.");
        return [.. Directory.GetFiles(directory, "*.eml").Select(f => MimeMessage.Load(f))];
    }

    public void Dispose() => _gateway.Dispose();
}
