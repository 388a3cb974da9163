using Microsoft.Playwright;

namespace MessageQueue.Tests.Dashboard;

/// <summary>
/// One headless Chromium for every browser test: Debian's /usr/bin/chromium driven by Playwright (tests/run.sh
/// installs it; Playwright's own browser download is never used). Each test opens its own contexts, which
/// share nothing (cookies, storage), so tests stay independent while the browser starts once.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>How long a web-first assertion waits: generous, the suite runs in parallel on two cores.</summary>
    public const float ExpectTimeoutMilliseconds = 15_000;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: tests/run.sh installs Debian's chromium.");
        Assertions.SetDefaultExpectTimeout(ExpectTimeoutMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Args = ["--disable-gpu", "--disable-quic"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.CloseAsync();
        _playwright?.Dispose();
    }
}

/// <summary>Browser tests share the browser; xunit runs them one after another, in parallel with the rest of the suite.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserTests : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
