using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Api;

/// <summary>/api/subjects/{subject}/updates: posting, one update, and the paged history.</summary>
public abstract class UpdateResourceContract<TGateway>(TGateway gateway) : IClassFixture<TGateway>
    where TGateway : GatewayFactory
{
    private readonly HttpClient _http = gateway.CreateClient();

    [Fact]
    public async Task PostedUpdateIsStoredWithItsSequenceAndLocation()
    {
        var name = await ApiAssert.NewSubjectAsync(_http, "Initial.");

        var response = await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "First news" });

        var update = await ApiAssert.Json(response, HttpStatusCode.Created);
        Assert.Equal(1, update.GetProperty("sequence").GetInt64());
        Assert.Equal("First news", update.GetProperty("text").GetString());
        Assert.Equal("rest", update.GetProperty("door").GetString());
        Assert.True(update.GetProperty("timestamp").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal($"/api/subjects/{name}/updates/1", response.Headers.Location?.OriginalString);
        var fetched = await ApiAssert.Json(await _http.GetAsync(response.Headers.Location), HttpStatusCode.OK);
        Assert.Equal("First news", fetched.GetProperty("text").GetString());
        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal("Initial.\nFirst news", subject.GetProperty("content").GetString());
        Assert.Equal(1, subject.GetProperty("lastSequence").GetInt64());
    }

    [Fact]
    public async Task AnUpdateToAnUnknownSubjectIsNotFound()
    {
        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects/Vue/updates", new { text = "x" }), HttpStatusCode.NotFound, "subject");
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"text\": \"\"}")]
    [InlineData("{\"text\": \"   \"}")]
    [InlineData("{\"text\": null}")]
    public async Task AnUpdateWithoutTextIsRefusedWithTheFieldNamed(string json)
    {
        await ApiAssert.Problem(await PostRawAsync("/api/subjects/React/updates", json), HttpStatusCode.BadRequest, "text");
    }

    [Theory]
    [InlineData("{\"text\": 5}", "text")]
    [InlineData("{\"text\": [\"a\"]}", "text")]
    [InlineData("{bad json", "body")]
    [InlineData("[]", "body")]
    public async Task MalformedOrMistypedJsonIsRefusedWithWhereItWentWrong(string json, string field)
    {
        await ApiAssert.Problem(await PostRawAsync("/api/subjects/React/updates", json), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AnEmptyBodyIsABadRequest()
    {
        await ApiAssert.Problem(await PostRawAsync("/api/subjects/React/updates", ""), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TextOverTheLegacyLimitIsTooLargeAndNothingIsStored()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        var text = new string('é', 16 * 1024 + 1); // 32 KiB + 2 bytes of UTF-8, fewer characters than the limit

        await ApiAssert.Problem(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text }), HttpStatusCode.RequestEntityTooLarge, "text");

        var subject = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}"), HttpStatusCode.OK);
        Assert.Equal(0, subject.GetProperty("lastSequence").GetInt64());
    }

    [Fact]
    public async Task ABodyOverTheRequestLimitIsTooLarge()
    {
        var text = new string('x', 300 * 1024);

        await ApiAssert.Problem(await _http.PostAsJsonAsync("/api/subjects/React/updates", new { text }), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task ABodyThatIsNotJsonIsAnUnsupportedMediaType()
    {
        using var body = new StringContent("some text", System.Text.Encoding.UTF8, "text/plain");

        await ApiAssert.Problem(await _http.PostAsync("/api/subjects/React/updates", body), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task HistoryIsPagedOldestFirstWithANextLinkUntilTheEnd()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        for (var i = 1; i <= 5; i++)
            await ApiAssert.Json(await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" }), HttpStatusCode.Created);

        var texts = new List<string>();
        string? next = $"/api/subjects/{name}/updates?limit=2";
        var pages = 0;
        while (next is not null)
        {
            var page = await ApiAssert.Json(await _http.GetAsync(next), HttpStatusCode.OK);
            Assert.Equal(5, page.GetProperty("lastSequence").GetInt64());
            texts.AddRange(page.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("text").GetString()!));
            next = page.GetProperty("next").GetString();
            pages++;
        }

        Assert.Equal(["u1", "u2", "u3", "u4", "u5"], texts);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task HistoryAfterASequenceHasOnlyWhatCameLater()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);
        for (var i = 1; i <= 4; i++)
            await _http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"u{i}" });

        var page = await ApiAssert.Json(await _http.GetAsync($"/api/subjects/{name}/updates?after=2"), HttpStatusCode.OK);

        Assert.Equal([3L, 4L], page.GetProperty("updates").EnumerateArray().Select(u => u.GetProperty("sequence").GetInt64()));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("after=-1", "after")]
    [InlineData("after=abc", "after")]
    [InlineData("after=99999999999999999999", "after")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("limit=ten", "limit")]
    public async Task ABadPageIsRefusedWithTheParameterNamed(string query, string field)
    {
        await ApiAssert.Problem(await _http.GetAsync($"/api/subjects/React/updates?{query}"), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AnUpdateThatDoesNotExistIsNotFoundAndSequenceZeroIsInvalid()
    {
        var name = await ApiAssert.NewSubjectAsync(_http);

        var missing = await ApiAssert.Problem(await _http.GetAsync($"/api/subjects/{name}/updates/1"), HttpStatusCode.NotFound, "sequence");
        Assert.Equal("The update does not exist.", missing.GetProperty("title").GetString());
        await ApiAssert.Problem(await _http.GetAsync($"/api/subjects/{name}/updates/0"), HttpStatusCode.BadRequest, "sequence");
    }

    [Fact]
    public async Task AJsonNullBodyIsRefusedWithTheBodyNamed()
    {
        await ApiAssert.Problem(await PostRawAsync("/api/subjects/React/updates", "null"), HttpStatusCode.BadRequest, "body");
    }

    [Fact]
    public async Task UnknownRoutesAndMethodsAreProblemsToo()
    {
        await ApiAssert.Problem(await _http.GetAsync("/api/nothing-here"), HttpStatusCode.NotFound);
        await ApiAssert.Problem(await _http.PutAsJsonAsync("/api/subjects/React", new { }), HttpStatusCode.MethodNotAllowed);
    }

    private async Task<HttpResponseMessage> PostRawAsync(string path, string json)
    {
        using var body = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        return await _http.PostAsync(path, body);
    }
}

public sealed class UpdateResourceTests(GatewayFactory gateway) : UpdateResourceContract<GatewayFactory>(gateway);

/// <summary>The same on PostgreSQL.</summary>
public sealed class UpdateResourceOnPostgreSqlTests(PostgreSqlGateway gateway) : UpdateResourceContract<PostgreSqlGateway>(gateway);
