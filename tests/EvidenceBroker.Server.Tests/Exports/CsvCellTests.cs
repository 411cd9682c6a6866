using EvidenceBroker.Server.Exports;

namespace EvidenceBroker.Server.Tests.Exports;

/// <summary>A transparency report's CSV cells: quoted where needed, never read as a formula by a spreadsheet.</summary>
public sealed class CsvCellTests
{
    [Theory]
    [InlineData("GB", "GB")]
    [InlineData("northwind-mail", "northwind-mail")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1", "'+1")]
    [InlineData("-2", "'-2")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    public void A_cell_is_quoted_where_needed_and_never_starts_a_formula(string value, string written) =>
        Assert.Equal(written, TransparencyReportDocument.Csv(value));
}
