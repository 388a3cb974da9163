using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>/api/subjects/{subject}/subscriptions: registering and removing email addresses.</summary>
public abstract class SubscriptionResourceContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task RegisteringIsCreatedOnceThenHarmless()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);

        var first = await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "Ada@Example.com" });
        var again = await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "ada@example.com" });

        var created = await ApiAssert.Json(first, HttpStatusCode.Created);
        Assert.Equal($"/api/subjects/{name}/subscriptions/Ada%40Example.com", first.Headers.Location?.OriginalString);
        Assert.Equal(1, created.GetProperty("emailCount").GetInt32());
        var repeated = await ApiAssert.Json(again, HttpStatusCode.OK);
        Assert.Equal(1, repeated.GetProperty("emailCount").GetInt32());
        Assert.Equal("Ada@Example.com", repeated.GetProperty("email").GetString()); // as registered first
        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(1, subject.GetProperty("emailCount").GetInt32());
    }

    [Fact]
    public async Task RemovingIsNoContentThenNotFound()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "bob+news@example.org" }), HttpStatusCode.Created);

        var removed = await _http.DeleteAsync($"/api/subjects/{name}/subscriptions/{Uri.EscapeDataString("BOB+news@example.org")}");

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await ApiAssert.Problem(await _http.DeleteAsync($"/api/subjects/{name}/subscriptions/bob%2Bnews%40example.org"), HttpStatusCode.NotFound, "email");
        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(0, subject.GetProperty("emailCount").GetInt32());
    }

    [Theory]
    [InlineData("a/b@example.com")]
    [InlineData("a+b@example.com")]
    [InlineData("a%b@example.com")]
    [InlineData("a?b#c@example.com")]
    public async Task AnAddressNeedingEscapesCanBeRemovedThroughItsLocation(string email)
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        var created = await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email });
        await ApiAssert.Json(created, HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync(created.Headers.Location)).StatusCode);

        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(0, subject.GetProperty("emailCount").GetInt32());
    }

    [Fact]
    public async Task ARegistrationOverRestIsOneTheLegacyDoorCanRemove()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "carol@example.com" }), HttpStatusCode.Created);
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);

        Assert.Equal("isSuccess", peer.Request(new { type = "4", subject = name, email = "carol@example.com" }));

        await ApiAssert.Problem(await _http.DeleteAsync($"/api/subjects/{name}/subscriptions/carol%40example.com"), HttpStatusCode.NotFound, "email");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"email\": \"not-an-address\"}")]
    [InlineData("{\"email\": \"Ada <ada@example.com>\"}")]
    [InlineData("{\"email\": \"a@b.com, c@d.com\"}")]
    [InlineData("{\"email\": \"a@localhost\"}")]
    public async Task AnInvalidEmailIsRefusedWithTheFieldNamed(string json)
    {
        using var body = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        await ApiAssert.Problem(await _http.PostAsync("/api/subjects/React/subscriptions", body), HttpStatusCode.BadRequest, "email");
    }

    [Fact]
    public async Task RemovingAnInvalidEmailIsABadRequest()
    {
        await ApiAssert.Problem(await _http.DeleteAsync("/api/subjects/React/subscriptions/nobody"), HttpStatusCode.BadRequest, "email");
    }

    [Fact]
    public async Task RegisteringOnAnUnknownSubjectIsNotFound()
    {
        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects/Vue/subscriptions", new { email = "a@b.com" }), HttpStatusCode.NotFound, "subject");
    }
}

public sealed class SubscriptionResourceTests(GatewayFactory gateway) : SubscriptionResourceContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class SubscriptionResourceOnPostgreSqlTests(PostgreSqlGateway gateway) : SubscriptionResourceContract<PostgreSqlGateway>(gateway);
