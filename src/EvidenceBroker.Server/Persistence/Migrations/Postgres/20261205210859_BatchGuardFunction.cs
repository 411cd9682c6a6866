using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Postgres
{
    /// <summary>
    /// broker_expect(holds, what): raises an error unless <c>holds</c> is true. A write batch that commits in the round
    /// trip that takes its lock puts it before its rows, so that PostgreSQL itself checks, under the lock, what the batch
    /// was written on (RoundTripGuard): if it fails, the rest of the round trip, COMMIT included, is skipped.
    /// </summary>
    public partial class BatchGuardFunction : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE FUNCTION broker_expect(holds boolean, what text) RETURNS void
                LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    IF holds IS NOT TRUE THEN
                        RAISE EXCEPTION 'changed since the write batch was prepared: %', what;
                    END IF;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION broker_expect(boolean, text);");
        }
    }
}
