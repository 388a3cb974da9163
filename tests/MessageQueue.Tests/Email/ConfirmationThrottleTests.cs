using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Email;

/// <summary>Registering an unconfirmed address again and again sends one confirmation mail per Email:ConfirmationResendMinutes, not one each time.</summary>
public sealed class ConfirmationThrottleTests
{
    [Fact]
    public async Task TenRegistrationsOfOneUnconfirmedAddressSendOneConfirmationUntilTheIntervalHasPassed()
    {
        using var smtp = await SmtpSink.StartAsync();
        var clock = new ShiftedClock();
        using var gateway = new GatewayFactory(null, SmtpSink.GatewaySettings(smtp.Port),
            host => host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        var other = await ApiAssert.NewSubjectAsync(http);

        for (var i = 0; i < 10; i++)
            (await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "target@example.com" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync($"/api/subjects/{other}/subscriptions", new { email = "Target@example.com" })).EnsureSuccessStatusCode();
        await OutboxDrainedAsync(http);
        Assert.Equal(2, ConfirmationsTo(smtp, "target@example.com")); // one per subject, not one per registration

        clock.Advance(TimeSpan.FromMinutes(59));
        (await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "target@example.com" })).EnsureSuccessStatusCode();
        await OutboxDrainedAsync(http);
        Assert.Equal(2, ConfirmationsTo(smtp, "target@example.com"));

        clock.Advance(TimeSpan.FromMinutes(2)); // an hour after the first: the address may ask again
        (await http.PostAsJsonAsync($"/api/subjects/{subject}/subscriptions", new { email = "target@example.com" })).EnsureSuccessStatusCode();
        await smtp.WaitForAsync(3);
        await OutboxDrainedAsync(http);
        Assert.Equal(3, ConfirmationsTo(smtp, "target@example.com"));
    }

    private static int ConfirmationsTo(SmtpSink smtp, string address) =>
        smtp.Messages().Count(m => MailAssert.EnvelopeRecipients(m).Contains(address, StringComparer.OrdinalIgnoreCase));

    /// <summary>Every mail recorded so far has been sent (a sent mail is in the sink before it is marked sent).</summary>
    private static Task OutboxDrainedAsync(HttpClient http) =>
        Poll.UntilAsync(async () =>
        {
            var outbox = (await http.GetFromJsonAsync<Dictionary<string, int>>("/api/email/outbox"))!;
            return outbox["awaitingExpansion"] + outbox["pending"] + outbox["retrying"] == 0;
        }, () => "The outbox still has mail to send.");
}
