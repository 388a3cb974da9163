using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace MessageQueue.Tests.Api;

/// <summary>Retrying a post with the same Idempotency-Key stores the update once, whatever the timing.</summary>
public abstract class IdempotencyKeyContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task RepeatsOfAKeyAnswerWithTheUpdateStoredFirstAndStoreNothingMore()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        var first = await PostAsync(name, "once", "order-1");
        // At once, so that some repeats meet the first in one commit, others after it.
        var repeats = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(name, "once, retried", "order-1")));
        var other = await PostAsync(name, "another", "order-2");

        Assert.All(repeats, r => Assert.Equal((first.Sequence, "once"), (r.Sequence, r.Text)));
        Assert.Equal(first.Sequence + 1, other.Sequence);
        var history = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}/updates"), HttpStatusCode.OK);
        Assert.Equal(["once", "another"], history.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task TheSameKeyOnAnotherSubjectIsAnotherUpdate()
    {
        var one = await ApiAssert.NewSubjectAsync(_http);
        var two = await ApiAssert.NewSubjectAsync(_http);
        Assert.Equal(1, (await PostAsync(one, "on one", "shared")).Sequence);
        Assert.Equal(1, (await PostAsync(two, "on two", "shared")).Sequence);
    }

    [Fact]
    public async Task AKeyWithASpaceIsRefused()
    {
        const string key = "with space";
        var name = await ApiAssert.NewSubjectAsync(_http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/subjects/{name}/updates") { Content = JsonContent.Create(new { text = "x" }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        await ApiAssert.Problem(await _http.SendAsync(request), HttpStatusCode.BadRequest, "idempotencyKey");
    }

    [Fact]
    public async Task AKeyLongerThanTheStoreKeepsIsRefused()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/subjects/{name}/updates") { Content = JsonContent.Create(new { text = "x" }) };
        request.Headers.Add("Idempotency-Key", new string('k', 129));
        await ApiAssert.Problem(await _http.SendAsync(request), HttpStatusCode.BadRequest, "idempotencyKey");
    }

    [Fact]
    public async Task TheHubsRetrySafePostSharesTheSubjectsKeysWithRest()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        var stored = await PostAsync(name, "by rest", "order-1");
        await using var hub = await HubPeer.ConnectAsync(gateway.HttpAddress);

        var repeat = await hub.Connection.InvokeAsync<UpdateResource>("PostUpdateOnce", name, "by hub, retried", "order-1");
        var fresh = await hub.Connection.InvokeAsync<UpdateResource>("PostUpdateOnce", name, "by hub", "order-2");
        var again = await hub.Connection.InvokeAsync<UpdateResource>("PostUpdateOnce", name, "by hub, retried", "order-2");

        Assert.Equal((stored.Sequence, "by rest", "rest"), (repeat.Sequence, repeat.Text, repeat.Door));
        Assert.Equal((stored.Sequence + 1, "by hub", "hub"), (fresh.Sequence, fresh.Text, fresh.Door));
        Assert.Equal(fresh.Sequence, again.Sequence);
        var refused = await Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync<UpdateResource>("PostUpdateOnce", name, "x", "with space"));
        Assert.Contains("idempotencyKey", refused.Message, StringComparison.Ordinal);
    }

    private async Task<(long Sequence, string Text)> PostAsync(string subject, string text, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/subjects/{subject}/updates") { Content = JsonContent.Create(new { text }) };
        request.Headers.Add("Idempotency-Key", key);
        var update = await ApiAssert.Json(await _http.SendAsync(request), HttpStatusCode.Created);
        return (update.GetProperty("sequence").GetInt64(), update.GetProperty("text").GetString()!);
    }
}

public sealed class IdempotencyKeyTests(GatewayFactory gateway) : IdempotencyKeyContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class IdempotencyKeyOnPostgreSqlTests(PostgreSqlGateway gateway) : IdempotencyKeyContract<PostgreSqlGateway>(gateway);
