using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>/api/subjects: list, create, get, delete, and what the legacy door sees of it.</summary>
public abstract class SubjectResourceContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task ListShowsEveryDefaultSubjectWithItsState()
    {
        var subjects = await ApiAssert.Json(await _http.GetAsync("/api/subjects"), HttpStatusCode.OK);

        var names = subjects.EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["SpringBoot", "NodeJs", "React", "Django"], names.Take(4));
        var react = subjects.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "React");
        Assert.True(react.TryGetProperty("lastSequence", out _));
        Assert.True(react.TryGetProperty("lastUpdatedAt", out _));
        Assert.True(react.TryGetProperty("emailCount", out _));
        Assert.False(react.TryGetProperty("content", out _));
    }

    [Fact]
    public async Task CreatedSubjectHasALocationAndIsListedByTheLegacyDoor()
    {
        var name = ApiAssert.NewSubjectName();

        var response = await _http.PostAsJsonAsync("/api/subjects", new { name, content = "A new subject." });

        var created = await ApiAssert.Json(response, HttpStatusCode.Created);
        Assert.Equal($"/api/subjects/{name}", response.Headers.Location?.OriginalString);
        Assert.Equal("A new subject.", created.GetProperty("content").GetString());
        Assert.Equal(0, created.GetProperty("lastSequence").GetInt64());
        var fetched = await ApiAssert.Json(await _http.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.Equal(name, fetched.GetProperty("name").GetString());
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        Assert.Contains($"[{name}]", peer.Request(new { type = "1" }), StringComparison.Ordinal);
        Assert.StartsWith("{\"data\": \"A new subject.\"", peer.Request(new { type = "2", email = "a@b.com", subject = name }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatingWithoutContentStartsEmpty()
    {
        var name = ApiAssert.NewSubjectName();

        var created = await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);

        Assert.Equal("", created.GetProperty("content").GetString());
    }

    [Fact]
    public async Task CreatingAnExistingSubjectIsAConflict()
    {
        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects", new { name = "React" }), HttpStatusCode.Conflict, "name");
    }

    [Theory]
    [InlineData("ReactNative")] // React would receive its publications
    [InlineData("Reac")]        // its subscribers would receive React's
    public async Task ANameThatStartsAlikeWithAnotherIsAConflict(string name)
    {
        var problem = await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Conflict, "name");

        Assert.Contains("React", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("-dash-first")]
    [InlineData("ünïcode")]
    public async Task AnInvalidNameIsRefusedWithTheFieldNamed(string name)
    {
        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task AMissingNameIsRefusedWithTheFieldNamed()
    {
        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects", new { content = "x" }), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task ANameOfTheWrongTypeIsRefusedWithTheFieldNamed()
    {
        using var body = new StringContent("{\"name\": 42}", System.Text.Encoding.UTF8, "application/json");

        await ApiAssert.Problem(await _http.PostAsync("/api/subjects", body), HttpStatusCode.BadRequest, "name");
    }

    [Fact]
    public async Task InitialContentOverTheUpdateLimitIsTooLarge()
    {
        var content = new string('x', 32 * 1024 + 1);

        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects", new { name = ApiAssert.NewSubjectName(), content }), HttpStatusCode.RequestEntityTooLarge, "content");
    }

    [Fact]
    public async Task GettingAnUnknownSubjectIsNotFound()
    {
        await ApiAssert.Problem(await _http.GetAsync("/api/subjects/Vue"), HttpStatusCode.NotFound, "subject");
    }

    [Fact]
    public async Task GettingAnInvalidNameIsABadRequest()
    {
        await ApiAssert.Problem(await _http.GetAsync("/api/subjects/a%20b"), HttpStatusCode.BadRequest, "subject");
    }

    [Fact]
    public async Task DeletedSubjectIsGoneFromEveryDoorWithItsHistory()
    {
        var name = ApiAssert.NewSubjectName();
        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name }), HttpStatusCode.Created);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "one" }), HttpStatusCode.Created);

        var response = await _http.DeleteAsync($"/api/subjects/{name}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await ApiAssert.Problem(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.NotFound);
        await ApiAssert.Problem(await _http.GetAsync($"/api/subjects/{name}/updates"), HttpStatusCode.NotFound);
        await ApiAssert.Problem(await _http.DeleteAsync($"/api/subjects/{name}"), HttpStatusCode.NotFound);
        using var peer = new LegacyPeer(gateway.Zmq.ReplyEndpoint);
        Assert.DoesNotContain(name, peer.Request(new { type = "1" }), StringComparison.Ordinal);
        Assert.Equal($"Not exist subject - {name}. Try again!", peer.Request(new { type = "3", subject = name, updateMessage = "late" }));
    }

    [Fact]
    public async Task ASubjectCreatedAgainAfterDeletionStartsFresh()
    {
        var name = ApiAssert.NewSubjectName();
        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name, content = "first life" }), HttpStatusCode.Created);
        await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "old" }), HttpStatusCode.Created);
        await _http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email = "old@example.com" });
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync($"/api/subjects/{name}")).StatusCode);

        await ApiAssert.Json(await _http.PostAsJsonAsync("/api/subjects", new { name, content = "second life" }), HttpStatusCode.Created);
        var update = await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "new" }), HttpStatusCode.Created);

        Assert.Equal(1, update.GetProperty("sequence").GetInt64());
        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal("second life\nnew", subject.GetProperty("content").GetString());
        Assert.Equal(0, subject.GetProperty("emailCount").GetInt32());
    }
}

public sealed class SubjectResourceTests(GatewayFactory gateway) : SubjectResourceContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class SubjectResourceOnPostgreSqlTests(PostgreSqlGateway gateway) : SubjectResourceContract<PostgreSqlGateway>(gateway);
