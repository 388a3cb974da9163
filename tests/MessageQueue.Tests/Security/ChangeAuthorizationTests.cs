using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Legacy;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.Security;

/// <summary>
/// With keys configured, removing an address needs a publisher or admin key or the mail's unsubscribe token; the legacy
/// door can be made read-only; and the start-up log says which doors take changes without a key.
/// </summary>
public sealed class ChangeAuthorizationTests(KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    [Fact]
    public async Task RemovingAnAddressOverRestNeedsAKeyOrTheUnsubscribeTokenOfThatAddress()
    {
        using var admin = gateway.ClientWithKey(KeyedGateway.AdminKey);
        using var anonymous = gateway.ClientWithKey(null);
        using var publisher = gateway.ClientWithKey(KeyedGateway.PublisherKey);
        var name = await ApiAssert.NewSubjectAsync(admin);
        foreach (var email in new[] { "ann@example.com", "bob@example.com", "cy@example.com" })
            await ApiAssert.Json(await anonymous.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email }), HttpStatusCode.Created);
        var tokens = gateway.Services.GetRequiredService<EmailTokens>();
        var annsLink = Uri.EscapeDataString(tokens.Create(EmailTokenPurpose.Unsubscribe, name, "ann@example.com"));

        await ApiAssert.Problem(await anonymous.DeleteAsync($"/api/subjects/{name}/subscriptions/ann%40example.com"), HttpStatusCode.Unauthorized);
        await ApiAssert.Problem(await anonymous.DeleteAsync($"/api/subjects/{name}/subscriptions/bob%40example.com?token={annsLink}"), HttpStatusCode.Unauthorized);
        await ApiAssert.Problem(await anonymous.DeleteAsync($"/api/subjects/{name}/subscriptions/ann%40example.com?token=forged"), HttpStatusCode.Unauthorized);
        Assert.Equal(3, await EmailCountAsync(anonymous, name)); // nothing removed

        Assert.Equal(HttpStatusCode.NoContent, (await anonymous.DeleteAsync($"/api/subjects/{name}/subscriptions/ANN%40example.com?token={annsLink}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await publisher.DeleteAsync($"/api/subjects/{name}/subscriptions/bob%40example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/subjects/{name}/subscriptions/cy%40example.com")).StatusCode);
        Assert.Equal(0, await EmailCountAsync(anonymous, name));
    }

    [Fact]
    public async Task RemovingAnAddressOverTheHubNeedsAKey()
    {
        using var admin = gateway.ClientWithKey(KeyedGateway.AdminKey);
        var name = await ApiAssert.NewSubjectAsync(admin);
        await using var anonymous = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await using var publisher = await HubPeer.ConnectAsync(gateway.HttpAddress, KeyedGateway.PublisherKey);
        await anonymous.Connection.InvokeAsync<object>("RegisterEmail", name, "dee@example.com");

        var refused = await Assert.ThrowsAsync<HubException>(() => anonymous.Connection.InvokeAsync("UnregisterEmail", name, "dee@example.com"));
        Assert.Contains("HubException: unauthorized: UnregisterEmail needs an API key (publisher or admin)", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, await EmailCountAsync(admin, name));

        await publisher.Connection.InvokeAsync("UnregisterEmail", name, "dee@example.com");
        Assert.Equal(0, await EmailCountAsync(admin, name));
    }

    [Fact]
    public async Task WithoutKeysConfiguredRemovingStaysOpenAndTheLogSaysWhichDoorsTakeChanges()
    {
        var logs = new CapturedLogs();
        using var open = new GatewayFactory(null, null, host => host.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs))));
        using var http = open.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "eve@example.com" }), HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/subjects/{name}/subscriptions/eve%40example.com")).StatusCode);

        var zmq = Assert.Single(logs.Entries, e => e.Category.EndsWith(".ChangeAccessReport", StringComparison.Ordinal) && e.Message.StartsWith("The legacy ZeroMQ door", StringComparison.Ordinal));
        Assert.Contains("accepts changes without a key", zmq.Message, StringComparison.Ordinal);
        Assert.Contains("Zmq:AllowChanges=false", zmq.Message, StringComparison.Ordinal);
        Assert.Contains("CurveZMQ", zmq.Message, StringComparison.Ordinal);
        Assert.Contains("tcp://127.0.0.1", zmq.Message, StringComparison.Ordinal);
        Assert.Single(logs.Entries, e => e.Message.StartsWith("The REST API and the hub accept every change without a key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReadOnlyLegacyDoorRefusesUpdatesAndRemovalsInTheProtocolsShapeAndServesTheRest()
    {
        var logs = new CapturedLogs();
        using var readOnly = new GatewayFactory(null, new Dictionary<string, string?> { ["Zmq:AllowChanges"] = "false" },
            host => host.ConfigureServices(s => s.AddLogging(l => l.AddProvider(logs))));
        using var http = readOnly.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http, "first line");
        using var peer = new LegacyPeer(readOnly.Zmq.ReplyEndpoint);

        Assert.Equal(LegacyRequestHandler.ReadOnly, peer.Request(new { type = "3", subject = name, updateMessage = "refused" }));
        Assert.Equal("{\"data\": \"first line\", \"isValid\": \"isSuccess\"}", peer.Request(new { type = "2", subject = name, email = "fay@example.com" }));
        Assert.Equal(LegacyRequestHandler.ReadOnly, peer.Request(new { type = "4", subject = name, email = "fay@example.com" }));
        Assert.Contains($"[{name}]", peer.Request(new { type = "1" }), StringComparison.Ordinal);

        Assert.Equal(1, await EmailCountAsync(http, name));
        var details = await ApiAssert.Json(await http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(0, details.GetProperty("lastSequence").GetInt64());
        Assert.Single(logs.Entries, e => e.Message.Contains("is read-only (Zmq:AllowChanges=false)", StringComparison.Ordinal));
    }

    private static async Task<int> EmailCountAsync(HttpClient http, string subject) =>
        (await ApiAssert.Json(await http.GetAsync($"/api/subjects/{subject}"), HttpStatusCode.OK)).GetProperty("emailCount").GetInt32();
}
