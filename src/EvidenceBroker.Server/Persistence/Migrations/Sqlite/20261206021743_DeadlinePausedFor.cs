using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace EvidenceBroker.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DeadlinePausedFor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<TimeSpan>(
                name: "PausedFor",
                table: "deadlines",
                type: "TEXT",
                nullable: false,
                defaultValue: new TimeSpan(0, 0, 0, 0, 0));
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "PausedFor",
                table: "deadlines");
        }
    }
}
