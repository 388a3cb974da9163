using System.Text.Json;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Tests.Dashboard;

/// <summary>The page trims live updates into the content window exactly as the gateway does.</summary>
[Collection(BrowserTests.Name)]
public sealed class ContentWindowScriptTests(BrowserFixture browser, DashboardGateway gateway) : IClassFixture<DashboardGateway>
{
    [Fact]
    public async Task ThePageAppendsWithinTheWindowLikeTheGateway()
    {
        var random = new Random(3);
        string[] alphabet = ["a", "é", "€", "😀", "\n", " "];
        var cases = new List<Case>
        {
            new("hello", "world", 11), new("hello", "world!", 11), new("a\nb\nc", "d", 5), new("old line", "€€€x€€", 8), new("", "a😀😀", 5), new("", "😀", 3),
        };
        for (var i = 0; i < 200; i++)
        {
            var maxBytes = random.Next(16, 64);
            cases.Add(new(Text(random, alphabet, random.Next(0, 40)), Text(random, alphabet, random.Next(1, 90)), maxBytes));
        }

        await using var page = await DashboardPage.OpenAsync(browser.Browser, gateway.HttpAddress);
        var fromPage = await page.Page.EvaluateAsync<string[]>("""
            async cases => {
                const { appendWithin } = await import('/js/content-window.js');
                return cases.map(c => appendWithin(c.content, c.text, c.maxBytes));
            }
            """, cases.Select(c => new { content = c.Content, text = c.Text, maxBytes = c.MaxBytes }).ToArray());

        var fromGateway = cases.Select(c => new ContentWindow(c.MaxBytes).Append(c.Content, c.Text)).ToArray();
        for (var i = 0; i < cases.Count; i++)
            Assert.True(fromGateway[i] == fromPage[i], $"case {i} {JsonSerializer.Serialize(cases[i])}: gateway {JsonSerializer.Serialize(fromGateway[i])}, page {JsonSerializer.Serialize(fromPage[i])}");
    }

    private sealed record Case(string Content, string Text, int MaxBytes);

    private static string Text(Random random, string[] alphabet, int length) =>
        string.Concat(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]));
}
