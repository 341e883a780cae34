import KohoServer

await KohoCommand.runAndExit()
