using System.Runtime.InteropServices;
using SQLitePCL;

namespace EvidenceBroker.Server.Audit;

/// <summary>
/// The sqlite3_column_* calls the SQLite walk makes for every row, bound straight to e_sqlite3, the library
/// Microsoft.Data.Sqlite's bundle loads. SQLitePCL's own bindings marshal the statement as a SafeHandle on each of
/// the 15 calls a row (two interlocked operations and a GC transition each), which cost about a fifth of the walk.
/// These calls are short and never block or call back, hence <see cref="SuppressGCTransitionAttribute"/>.
/// </summary>
internal static unsafe partial class SqliteColumns
{
    private const string Library = "e_sqlite3";

    /// <summary>
    /// Whether SQLitePCL runs on the library these bindings reach (the same name, and the same version there);
    /// with any other provider the walk is left to the data reader.
    /// </summary>
    public static bool Available { get; } =
        raw.GetNativeLibraryName() == Library && NativeLibrary.TryLoad(Library, typeof(SqliteColumns).Assembly, null, out _)
        && sqlite3_libversion_number() == raw.sqlite3_libversion_number();

    /// <summary>A column's stored bytes (TEXT as stored, UTF-8 here), valid until the statement steps again.</summary>
    public static ReadOnlySpan<byte> Bytes(nint statement, int column)
    {
        // sqlite3_column_bytes must follow sqlite3_column_blob: the blob call settles the value's representation.
        var bytes = sqlite3_column_blob(statement, column);
        return new ReadOnlySpan<byte>(bytes, sqlite3_column_bytes(statement, column));
    }

    public static long Int64(nint statement, int column) => sqlite3_column_int64(statement, column);

    public static bool IsNull(nint statement, int column) => sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

    [LibraryImport(Library)]
    private static partial int sqlite3_libversion_number();

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial byte* sqlite3_column_blob(nint statement, int column);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial int sqlite3_column_bytes(nint statement, int column);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial long sqlite3_column_int64(nint statement, int column);

    [LibraryImport(Library)]
    [SuppressGCTransition]
    private static partial int sqlite3_column_type(nint statement, int column);
}
