using System.Diagnostics;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>Reads exported PDFs back with PdfPig, and rasterises page 1 for a person to look at.</summary>
public static partial class PdfFiles
{
    private const string Pdftoppm = "/usr/bin/pdftoppm";

    /// <summary>Every page's text with all whitespace removed, so wrapped lines and split hashes still match.</summary>
    public static string Text(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        var text = string.Concat(document.GetPages().Select(p => p.Text));
        return Squash(text);
    }

    /// <summary>Each page's text on its own, whitespace removed as in <see cref="Text"/>.</summary>
    public static IReadOnlyList<string> PageTexts(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return [.. document.GetPages().Select(p => Squash(p.Text))];
    }

    public static int Pages(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.NumberOfPages;
    }

    public static IReadOnlyList<string> FontNames(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return [.. document.GetPages().SelectMany(p => p.Letters).Select(l => l.FontName ?? string.Empty).Distinct()];
    }

    public static string Squash(string text) => Whitespace().Replace(text, string.Empty);

    /// <summary>Page 1 at 60 dpi into TestResults/pdf-pages/NAME.png at the repository root; returns its path.</summary>
    public static async Task<string> RasteriseFirstPageAsync(byte[] pdf, string name)
    {
        Assert.True(File.Exists(Pdftoppm), $"{Pdftoppm} is missing: tests/run.sh installs poppler-utils.");
        var folder = Path.Combine(RepositoryRoot(), "TestResults", "pdf-pages");
        Directory.CreateDirectory(folder);
        var input = Path.Combine(folder, name + ".pdf");
        await File.WriteAllBytesAsync(input, pdf);
        var start = new ProcessStartInfo(Pdftoppm) { RedirectStandardError = true };
        foreach (var argument in new[] { "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", input, Path.Combine(folder, name) })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"pdftoppm failed: {error}");
        var png = Path.Combine(folder, name + ".png");
        Assert.True(new FileInfo(png).Length > 1000, "page 1 rendered to an empty image");
        return png;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EvidenceBroker.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("EvidenceBroker.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
