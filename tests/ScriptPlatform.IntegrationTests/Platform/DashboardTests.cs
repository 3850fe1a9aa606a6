using Microsoft.Playwright;
using ScriptPlatform.Testing;

namespace ScriptPlatform.IntegrationTests.Platform;

/// <summary>The Aspire dashboard as a person sees it: Debian's Chromium, headless, driven by Playwright.</summary>
[Collection(PlatformCollection.Name)]
public sealed class DashboardTests(PlatformFixture platform)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_dashboard_shows_every_resource_running_and_none_unhealthy()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: ./build.sh test installs Debian's chromium package.");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 } });
        await page.GotoAsync(platform.Dashboard.ToString());

        // The grid fills in once the page's websocket connects; every resource name then shows. A first connection made
        // while the machine is busy can stall (CI once waited 60 s for it): one reload, as a person would, then the
        // failure says what the page showed.
        var names = platform.Resources.Select(r => r.Name).Where(r => r != "postgres-init").ToArray();
        if (!await ShowsEveryNameAsync(page, names))
        {
            await page.ReloadAsync();
            Assert.True(await ShowsEveryNameAsync(page, names),
                $"the dashboard did not list every resource ({string.Join(", ", names)}) within 60 s, twice; it shows:\n{await page.InnerTextAsync("body")}");
        }

        var screenshot = Path.Combine(RepositoryRoot.Path, "TestResults", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {screenshot}");

        var text = await page.InnerTextAsync("body");
        Assert.DoesNotContain("Unhealthy", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to start", text, StringComparison.Ordinal);
        // Every long-running resource (the worker counts twice, as two replicas) shows Running.
        var running = text.Split("Running").Length - 1;
        var expected = platform.Resources.Count(r => r.State == Aspire.Hosting.ApplicationModel.KnownResourceStates.Running);
        Assert.True(running >= expected, $"only {running} of {expected} resources show Running:\n{text}");
    }

    private static async Task<bool> ShowsEveryNameAsync(IPage page, string[] names)
    {
        try
        {
            await page.WaitForFunctionAsync("names => names.every(n => document.body.innerText.includes(n))", names, new() { Timeout = 60_000 });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
