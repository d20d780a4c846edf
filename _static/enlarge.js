// How Networks Learn: every figure opens at full size when clicked or tapped.
// On a phone the text column is about half a figure's width, so a figure is shown at half size;
// opening the image itself lets the reader zoom it to its full 100 dpi. Animations are left alone.
document.addEventListener("DOMContentLoaded", () => {
  for (const img of document.querySelectorAll("article figure img")) {
    if (img.closest("a") || img.closest("div.animation")) continue;
    const link = document.createElement("a");
    link.href = img.currentSrc || img.src;
    link.className = "figure-full-size";
    link.title = "Open the figure at full size";
    img.replaceWith(link);
    link.appendChild(img);
  }
});
