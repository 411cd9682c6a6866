using SkiaSharp;

namespace EvidenceBroker.Server.Exports.Pdf;

/// <summary>
/// The two faces every export uses, loaded once from the server's own resources so a PDF looks the same whatever
/// fonts the machine has. Skia embeds each face whole, so there are only two, both small (see Fonts/README.md).
/// </summary>
internal static class PdfFonts
{
    public static SKTypeface Regular { get; } = Load("Go-Regular.ttf");
    public static SKTypeface Bold { get; } = Load("Go-Bold.ttf");

    private static SKTypeface Load(string file)
    {
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream("EvidenceBroker.Fonts." + file)
                           ?? throw new InvalidOperationException($"Font resource {file} is missing from the build.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        // FromData keeps its own copy; a typeface over a disposed stream would fail when the PDF embeds it.
        using var data = SKData.CreateCopy(memory.ToArray());
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"Font resource {file} is not a font.");
    }
}
